// The compiled serial-telemetry firmware (firmware/serial-telemetry, built with gcc-avr) runs in
// avr8js as an ATmega328P, its USART bridged to one end of a socat pty pair; the hub opens the
// other end as an ordinary serial port from its devices file. The chip is the only simulated
// part (no microcontroller exists on a test machine); the firmware image and the hub are real.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, constants, openSync, writeSync } from 'node:fs';
import type { Command } from '../../../../src/core/model.js';
import { encodeFrame } from '../../../../src/transports/serial/line/framing.js';
import { type AvrSimulator, PinState } from '../../../helpers/avr.js';
import { getJson, startHub, waitFor, type TestHub } from '../../../helpers/hub.js';
import type { PtyPair } from '../../../helpers/pty.js';
import { teardown } from '../../../helpers/teardown.js';
import { startFirmwareRig, type FirmwareRig } from './firmware-rig.js';
import { WireMonitor } from './wire-monitor.js';

const DEVICE = 'uno-1';
const INTERVAL_MS = 100;

describe('serial-telemetry firmware in avr8js behind a pty', () => {
  let rig: FirmwareRig;
  let pty: PtyPair;
  let hub: TestHub;
  let sim: AvrSimulator;
  const wire = new WireMonitor();
  /** Sequence numbers ingest took from the device: a wrapper records them, the real submit runs. */
  const taken = new Set<number>();
  let takenTwice = 0;
  /** Bytes the firmware has transmitted, and those the test damages on their way to the hub. */
  let transmitted = 0;
  const damageAt = new Set<number>();
  const startedAt = Date.now();

  before(async () => {
    rig = await startFirmwareRig({
      wire,
      intervalMs: INTERVAL_MS,
      hub: { serialReconnectMaxMs: 400 },
      beforeBoot: (started) => {
        hub = started;
        recordTaken();
      },
      sim: { transmitFilter: (byte) => (damageAt.has(transmitted++) ? byte ^ 0x04 : byte) },
    });
    ({ pty, sim } = rig);
  });

  after(async () => {
    await rig?.stop();
  });

  const readings = async (metric: string) => {
    const q = `metric=${metric}&from=${startedAt - 60_000}&to=${Date.now() + 60_000}&limit=10000`;
    const { body } = await getJson<{ readings: Array<{ ts: number; value: number }> }>(`${hub.url}/api/devices/${DEVICE}/readings?${q}`);
    return body.readings;
  };
  const lastSentSeq = () => wire.telemetrySeqs().at(-1);
  /**
   * Waits until `ms` have passed on the firmware's own clock. The simulation never runs ahead of
   * the wall clock but falls behind it on a loaded machine, so a wall-clock sleep may give the
   * firmware too little time to take the samples a test counts on.
   */
  const firmwareTime = (ms: number) => {
    const until = sim.simulatedMs + ms;
    return waitFor(`${ms} ms on the firmware's clock`, () => sim.simulatedMs >= until, Math.max(10_000, 6 * ms));
  };
  const recordTaken = () => {
    const ingest = hub.hub.ingest;
    const submit = ingest.submit.bind(ingest);
    ingest.submit = (msg) => {
      const outcome = submit(msg);
      if (msg.deviceId === DEVICE && outcome.status === 'accepted' && msg.seq !== undefined) {
        if (taken.has(msg.seq)) takenTwice += 1;
        taken.add(msg.seq);
      }
      return outcome;
    };
  };
  const presence = async () => (await getJson(`${hub.url}/api/devices/${DEVICE}`)).body.device?.presence;
  const lineRefusals = async () => {
    const text = await (await fetch(`${hub.url}/metrics`)).text();
    return text
      .split('\n')
      .filter((l) => l.startsWith('hub_frames_rejected_total{transport="line"'))
      .reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
  };
  /**
   * Pauses the chip, waits until everything it sent is durable, then checks that every seq 0..h
   * was taken by ingest exactly once and stored, except at most `mayMiss` samples the firmware
   * itself dropped. Returns how many are missing.
   */
  const assertStoredExactlyOnce = async (mayMiss = 0): Promise<number> => {
    // First, with the chip running, until the hub holds what was sent so far: a frame held back
    // for a resend gets it only from a running chip. The paused wait then covers the last few.
    const sentSoFar = lastSentSeq();
    await waitFor('the hub to catch up with the running chip', () => {
      const head = hub.hub.streams.head(DEVICE);
      return sentSoFar === undefined || (head !== null && head >= sentSoFar);
    });
    await sim.pause();
    // Not a teardown: the chip runs again as soon as this check ends, pass or fail, for the rest
    // of the test that called it and the tests after it.
    try {
      const h = await waitFor('the hub to hold everything sent', () => {
        const head = hub.hub.streams.head(DEVICE);
        return head !== null && head === lastSentSeq() ? head : null;
      });
      assert.equal(takenTwice, 0, 'ingest never took a seq twice');
      assert.ok(
        [...taken].every((seq) => seq <= h),
        'nothing was taken past the head',
      );
      const missing = h + 1 - taken.size;
      assert.ok(missing >= 0 && missing <= mayMiss, `seq 0..${h}: ${missing} never taken, at most ${mayMiss} allowed`);
      for (const metric of ['light', 'temperature']) {
        const stored = await readings(metric);
        assert.equal(stored.length, taken.size, `${metric}: every taken sample stored once`);
        assert.equal(new Set(stored.map((r) => r.ts)).size, stored.length, `${metric}: no two readings share a timestamp`);
      }
      if (mayMiss === 0) assert.equal(hub.hub.streams.gapsSkipped, 0, 'no sequence numbers were skipped');
      return missing;
    } finally {
      sim.start();
    }
  };

  it('registers the device from its hello and welcomes it', async () => {
    const device = await waitFor('uno-1 online', async () => {
      const { status, body } = await getJson(`${hub.url}/api/devices/${DEVICE}`);
      return status === 200 && body.device.presence === 'online' ? body.device : null;
    });
    assert.equal(device.transport, 'line');
    assert.equal(device.firmware, 'serial-telemetry-1.0.0');
    assert.equal(device.sampleIntervalMs, INTERVAL_MS);
    assert.deepEqual(device.metrics, [
      { name: 'light', unit: '%' },
      { name: 'temperature', unit: '°C' },
    ]);
    assert.deepEqual(device.actuators, [
      { name: 'led', type: 'led' },
      { name: 'relay', type: 'relay' },
    ]);
    const welcome = await waitFor('the welcome', () => wire.fromHub.find((f) => f.body.startsWith('welcome ')));
    const boot = bootIdOf(wire.fromDevice.find((f) => f.body.startsWith('hello '))!.body);
    assert.equal(
      welcome.body,
      `welcome - iv=${INTERVAL_MS} boot=${boot}`,
      'a new device is welcomed without a head, with the configured interval, echoing its boot id',
    );
  });

  it('stores the analog readings and follows a voltage change', async () => {
    await waitFor('five light readings', async () => (await readings('light')).length >= 5);
    assert.ok(
      (await readings('light')).every((r) => r.value === 50),
      'light at 2.5 V reads 50 %',
    );
    const temperatures = await readings('temperature');
    assert.ok(
      temperatures.every((r) => Math.abs(r.value - 25) <= 0.5),
      `TMP36 at 0.75 V reads about 25 °C, got ${temperatures[0].value}`,
    );
    sim.setAnalogVoltage(0, 1.0);
    // 1 V reads ADC 204 or 205 of 1023: 19.9 or 20.0 %.
    await waitFor('light at 1 V ≈ 20 %', async () => (await readings('light')).some((r) => Math.abs(r.value - 20) <= 0.15));
  });

  it('acks after persisting and the firmware frees its ring buffer', async () => {
    const acks = await waitFor('several acks', () => (wire.acks().length >= 5 ? wire.acks() : null));
    assert.ok(
      acks.every((h, i) => i === 0 || h > acks[i - 1]),
      'acks move forward',
    );
    // The firmware reports its unacked count in each heartbeat (every 5 s).
    const since = wire.fromDevice.length;
    // Every 5 s of firmware time, which runs slower than the wall clock on a loaded machine.
    const beat = await waitFor('a heartbeat', () => wire.fromDevice.slice(since).find((f) => f.body.startsWith('hb ')), 20_000);
    const [, , buffered, lost] = beat.body.split(' ').map(Number);
    // Seconds of sampling at 100 ms would fill the 64-sample ring if acks freed nothing; a loaded
    // machine may delay an ack by a few intervals, so the bound leaves room for that.
    assert.ok(buffered < 16, `only the last few samples await their ack, got ${buffered}`);
    assert.equal(lost, 0, 'the ring buffer never overflowed');
    await assertStoredExactlyOnce();
  });

  it('switches pin 13 with set {led: true} and the command ends acked', async () => {
    assert.equal(sim.pinState(13), PinState.Low);
    const run = async (params: Record<string, unknown>) => {
      const done = new Promise<Command>((resolve) => {
        const off = hub.hub.bus.on('command', (c) => {
          if (c.deviceId === DEVICE && ['acked', 'failed', 'expired'].includes(c.state)) {
            off();
            resolve(c);
          }
        });
      });
      await hub.hub.commands.create({ deviceId: DEVICE, action: 'set', params, timeoutMs: 5_000 });
      return done;
    };
    const on = await run({ led: true });
    assert.equal(on.state, 'acked');
    assert.equal(sim.pinState(13), PinState.High);
    assert.equal((await run({ led: false, relay: true })).state, 'acked');
    assert.equal(sim.pinState(13), PinState.Low);
    assert.equal(sim.pinState(7), PinState.High);
    const bad = await run({ fan: true });
    assert.equal(bad.state, 'failed');
    assert.match(bad.error ?? '', /unknown actuator "fan"/);
  });

  it('survives line noise both ways: damaged frames are refused and counted, resends fill every hole', async (t) => {
    const refusedBefore = await lineRefusals();
    const deviceErrorsBefore = wire.fromDevice.filter((f) => f.body.startsWith('err ')).length;
    // Write-only descriptors on both ends of the pty: bytes land between (or inside) real frames.
    const toHub = openSync(pty.devicePath, constants.O_WRONLY | constants.O_NOCTTY);
    teardown(t, () => closeSync(toHub));
    const toDevice = openSync(pty.hubPath, constants.O_WRONLY | constants.O_NOCTTY);
    teardown(t, () => closeSync(toDevice));
    let seed = 7;
    const noise = () =>
      Buffer.from(
        Array.from({ length: 5 + (seed % 30) }, () => {
          seed = (seed * 1103515245 + 12345) % 2 ** 31;
          const byte = (seed >> 16) & 0xff;
          return byte === 0x0a ? 0x2a : byte;
        }).concat(0x0a),
      );
    for (let burst = 0; burst < 20; burst++) {
      writeSync(toHub, noise());
      writeSync(toDevice, noise());
      if (burst % 5 === 0) damageAt.add(transmitted + 60); // a bit flipped inside a frame further on
      await new Promise((r) => setTimeout(r, 37));
    }
    await waitFor('the hub to refuse every noise line and damaged frame', async () => (await lineRefusals()) - refusedBefore >= 24);
    await waitFor(
      'the firmware to report damaged frames',
      () => wire.fromDevice.filter((f) => f.body.startsWith('err ')).length > deviceErrorsBefore,
    );
    // Let resends fill what the noise destroyed: the head can pass a frame sent after the noise
    // only once every hole before it is filled. Waited on the hub's state, not the wall clock,
    // because the simulated chip runs slower than real time on a busy machine.
    const sentAfterNoise = (lastSentSeq() ?? 0) + 3;
    await waitFor('resends to fill every hole', () => (hub.hub.streams.head(DEVICE) ?? -1) >= sentAfterNoise, 40_000);
    await assertStoredExactlyOnce();
  });

  it('resumes after an MCU reset mid-stream: nothing acked is lost or stored twice', async () => {
    const hubLines = wire.fromHub.length;
    const bootBefore = bootIdOf(wire.fromDevice.filter((f) => f.body.startsWith('hello ')).at(-1)!.body);
    let lines = 0;
    // Reset the chip right after it put a telemetry frame on the wire, before the hub can ack it.
    const inFlight = await new Promise<number>((resolve) => {
      const off = wire.onDeviceFrame((body) => {
        if (!body.startsWith('t ')) return;
        off();
        sim.reset();
        // A welcome of the previous boot, still on the line: the new boot must not number after it.
        sim.receive(encodeFrame(`welcome 4000000000 iv=${INTERVAL_MS} boot=${bootBefore}`));
        lines = wire.fromDevice.length;
        resolve(Number(body.split(' ')[1]));
      });
    });
    const welcome = await waitFor('the welcome after the reboot', () =>
      wire.fromHub.slice(hubLines).find((f) => f.body.startsWith('welcome ')),
    );
    const hello = wire.fromDevice.slice(lines).find((f) => f.body.startsWith('hello uno-1 '));
    assert.ok(hello, 'the rebooted firmware said hello');
    assert.notEqual(bootIdOf(hello.body), bootBefore, 'each boot has its own id');
    assert.ok(welcome.body.endsWith(` boot=${bootIdOf(hello.body)}`), welcome.body);
    const h = Number(welcome.body.split(' ')[1]);
    assert.equal(h, inFlight, 'the hub made the in-flight frame durable before welcoming with its head');
    await waitFor('ten frames after the reboot', () => wire.telemetrySeqs(lines).length >= 10);
    const after = wire.telemetrySeqs(lines);
    assert.equal(after[0], h + 1, 'the fresh boot continues at h + 1');
    assert.deepEqual(
      after,
      after.map((_, i) => h + 1 + i),
      'consecutive sequence numbers after the reboot',
    );
    await assertStoredExactlyOnce();
  });

  it('comes back after a replug and resends what it sampled while unplugged', async () => {
    await pty.stop();
    await sim.disconnectSerial();
    await waitFor('uno-1 offline', async () => (await presence()) === 'offline');
    const lines = wire.fromDevice.length;
    await firmwareTime(10 * INTERVAL_MS); // the firmware keeps sampling into its ring
    await pty.start();
    await sim.connectSerial(pty.devicePath);
    await waitFor('uno-1 online again', async () => (await presence()) === 'online');
    // Frames the firmware sent while unplugged went nowhere; what counts comes after its new hello.
    const hello = await waitFor('a hello after the replug', () => {
      const i = wire.fromDevice.map((f) => f.body.startsWith('hello ')).lastIndexOf(true);
      return i >= lines ? i + 1 : null;
    });
    await waitFor('frames after the replug', () => wire.telemetrySeqs(hello).length >= 15);
    const resent = wire.fromDevice.slice(hello).find((f) => f.body.startsWith('t '))!;
    assert.ok(Number(resent.body.split(' ')[2]) >= 5 * INTERVAL_MS, `the first frame after the replug is an old sample: ${resent.body}`);
    await assertStoredExactlyOnce();
  });

  it('resumes after a hub restart: the firmware resends what the stopped hub had not acked', async () => {
    const { dataDir, config } = hub;
    await hub.stop({ keepData: true });
    await firmwareTime(10 * INTERVAL_MS); // the firmware keeps sampling and sending into the pty
    hub = rig.hub = await startHub({ dataDir, devicesFile: config.devicesFile, serialReconnectMaxMs: 400 });
    recordTaken();
    const lines = wire.fromDevice.length;
    await waitFor('uno-1 online on the new hub', async () => (await presence()) === 'online');
    await waitFor('frames after the restart', () => wire.telemetrySeqs(lines).length >= 15);
    await assertStoredExactlyOnce();
  });

  it('drops its oldest samples when unplugged longer than its ring holds; the hub accepts that gap only', async () => {
    await pty.stop();
    await sim.disconnectSerial();
    await waitFor('uno-1 offline', async () => (await presence()) === 'offline');
    const lines = wire.fromDevice.length;
    await firmwareTime(80 * INTERVAL_MS); // more samples than the 64-sample ring holds
    await pty.start();
    await sim.connectSerial(pty.devicePath);
    await waitFor('uno-1 online again', async () => (await presence()) === 'online');
    await waitFor('the hub to accept the gap', () => hub.hub.streams.gapsSkipped >= 1);
    // Heartbeats sent while unplugged went nowhere and counted only part of the loss: take one after the new hello.
    const hello = wire.fromDevice.map((f) => f.body.startsWith('hello ')).lastIndexOf(true);
    assert.ok(hello >= lines, 'the firmware said hello after the replug');
    const beat = await waitFor(
      'a heartbeat after the replug',
      () => wire.fromDevice.slice(hello).find((f) => f.body.startsWith('hb ')),
      20_000,
    );
    const lost = Number(beat.body.split(' ')[3]);
    assert.ok(lost >= 10, `the firmware dropped its oldest samples: ${lost}`);
    // Some dropped samples may have reached the hub before the unplug (only their ack did not),
    // so fewer can be missing than the firmware dropped, never more.
    const missing = await assertStoredExactlyOnce(lost);
    assert.ok(missing > 0, 'the samples the firmware dropped are missing');
  });
});

function bootIdOf(hello: string): number {
  const match = / boot=(\d+)/.exec(hello);
  assert.ok(match, `no boot id in "${hello}"`);
  return Number(match[1]);
}
