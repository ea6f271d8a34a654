// The faults one step of the fault phase may draw, each with its own small probability. Drawn
// from the schedule's seed, so a failing run replays the same faults at the same steps.
import type { Sim } from './sim-schedule.js';

export async function injectFaults(sim: Sim, stray: (deviceId: string) => void): Promise<void> {
  const { world, hub, actors, lines } = sim;
  const { rng, counts, trace } = world;
  const mqtt = world.mqtt();
  if (rng.chance(0.04)) {
    const conns = mqtt.openConns();
    if (conns.length > 0) {
      const conn = rng.pick(conns);
      counts.fault('connectionCut');
      trace.add(`fault: cut conn ${conn.id} (${conn.clientId}), ${conn.uplink.length} up / ${conn.downlink.length} down lost`);
      mqtt.close(conn, 'connection cut');
    }
  }
  if (rng.chance(0.02)) {
    const actor = rng.pick(actors);
    const saved = rng.chance(0.5);
    trace.add(`fault: reboot ${actor.deviceId}${saved ? ' (saved state)' : ''}`);
    actor.reboot(saved);
  }
  if (rng.chance(0.008)) {
    counts.fault('hubCrash');
    await hub.crash(rng.chance(0.5));
  }
  const store = hub.core.store;
  if (rng.chance(0.03)) {
    store.failNext += rng.range(1, 3);
    trace.add(`fault: next ${store.failNext} store writes fail`);
  }
  if (rng.chance(0.05)) {
    store.slowNext += 1;
    store.slowSteps = rng.range(1, 8);
    store.slowThenFail = rng.chance(0.2);
    trace.add(`fault: a slow write (${store.slowSteps} steps${store.slowThenFail ? ', then fails' : ''})`);
  }
  if (sim.mqttDevices.length > 0 && rng.chance(0.02)) {
    const deviceId = rng.pick(sim.mqttDevices);
    if (mqtt.openConns().some((c) => c.clientId === deviceId)) {
      counts.fault('strayPublish');
      trace.add(`fault: stray publish for ${deviceId}`);
      stray(deviceId);
    }
  }
  if (rng.chance(0.03)) {
    const conns = mqtt.openConns().filter((c) => c.uplink.length > 0);
    if (conns.length > 0) {
      const conn = rng.pick(conns);
      const i = rng.int(conn.uplink.length);
      conn.uplink.splice(i + 1, 0, conn.uplink[i]);
      counts.fault('duplicatedPublish');
    }
  }
  for (const line of lines) {
    const link = line.link;
    if (link.toDevice.length > 0 && rng.chance(sim.noise)) {
      const i = rng.int(link.toDevice.length);
      if (rng.chance(0.5)) link.toDevice.splice(i, 1);
      else link.toDevice[i] = Buffer.from(link.toDevice[i]).fill(0x3f, 0, 1);
      counts.fault('lineNoiseToDevice');
    }
    if (link.toHub.length > 0 && rng.chance(0.02)) {
      const i = rng.int(link.toHub.length);
      link.toHub.splice(i + 1, 0, link.toHub[i]);
      counts.fault('lineDuplicatedFrame');
    }
    if (rng.chance(0.01)) {
      link.toHub.push(Buffer.from('%$#garbage\n'));
      counts.fault('lineGarbage');
    }
  }
}

/**
 * Faults that fall between a device's writes and their arrival: a board that resets right after
 * sending, so frames of its previous life reach the hub after the reset.
 */
export function injectMidStepFaults(sim: Sim): void {
  const { rng, trace } = sim.world;
  for (const line of sim.lines) {
    if (line.link.toHub.length === 0 || !rng.chance(0.01)) continue;
    trace.add(`fault: reboot ${line.deviceId} with ${line.link.toHub.length} frames on the line`);
    line.reboot();
  }
}
