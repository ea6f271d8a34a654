// Commands to MQTT devices, in each device's dialect, tracked to the device's answer. The dialect
// plans the publishes that carry a command and names the answer that settles it: the command id
// (the hub's own devices echo it on cmd/ack), an RPC id (Shelly), or the state the command asks
// for (`power=1`: Tasmota, Homie, ESPHome and Shelly Gen1 answer by reporting the new state).
// Several commands may wait for one answer (two clicks on "on"); the answer settles them all.
import type { CommandSink } from '../../core/commands.js';
import type { HubLogger } from '../../core/logger.js';
import type { Command } from '../../core/model.js';
import type { TransportContext } from '../context.js';
import type { OutgoingPublish } from './dialects/index.js';
import type { DialectSessions } from './sessions.js';

/** Most answers one device may be waited on for at once; older waits of commands no longer open are dropped first. */
const MAX_WAITING_PER_DEVICE = 1000;

export interface DeviceCommandDeps {
  commands: Pick<TransportContext['commands'], 'ack' | 'get'>;
  sessions: DialectSessions;
  publish: (deviceId: string, publish: OutgoingPublish) => Promise<boolean>;
  log: HubLogger;
}

export class DeviceCommands implements CommandSink {
  /** Per device: answer key → ids of the commands it settles. */
  private readonly waiting = new Map<string, Map<string, Set<string>>>();

  constructor(private readonly deps: DeviceCommandDeps) {}

  async deliver(command: Command): Promise<boolean> {
    const plan = this.deps.sessions.of(command.deviceId).command(command);
    if (!plan.ok) {
      await this.deps.commands.ack(command.deviceId, command.id, { ok: false, error: plan.detail });
      return false;
    }
    this.expect(command.deviceId, plan.answer, command.id);
    const sent = await Promise.all(plan.publishes.map((publish) => this.deps.publish(command.deviceId, publish)));
    return sent.every(Boolean);
  }

  /** The device answered `key`: settle every command waiting for it (a key nobody waits for is taken as a command id). */
  answer(deviceId: string, key: string, result: { ok: boolean; error?: string }): void {
    const byKey = this.waiting.get(deviceId);
    const ids = byKey?.get(key) ?? new Set([key]);
    byKey?.delete(key);
    for (const id of ids) {
      this.deps.commands
        .ack(deviceId, id, result)
        .catch((err: unknown) => this.deps.log.error({ err, deviceId, commandId: id }, 'could not record command answer'));
    }
  }

  private expect(deviceId: string, key: string, commandId: string): void {
    let byKey = this.waiting.get(deviceId);
    if (!byKey) this.waiting.set(deviceId, (byKey = new Map()));
    if (byKey.size >= MAX_WAITING_PER_DEVICE) this.dropSettled(byKey);
    let ids = byKey.get(key);
    if (!ids) byKey.set(key, (ids = new Set()));
    ids.add(commandId);
  }

  /** Forgets waits of commands that finished otherwise (expired, or answered under another key). */
  private dropSettled(byKey: Map<string, Set<string>>): void {
    for (const [key, ids] of byKey) {
      for (const id of ids) if (!this.deps.commands.get(id)) ids.delete(id);
      if (ids.size === 0) byKey.delete(key);
    }
  }
}
