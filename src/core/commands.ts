// The command service: one path for commands to every kind of device. A command is created
// `queued`, becomes `sent` when its transport has put it on the wire, then `acked` or `failed`
// by the device's answer, or `expired` when its time runs out first. Unanswered commands are
// delivered again whenever the device reconnects. Every state change is stored and emitted.
// Commands go to the device, not to its transport: a transport attaches a sink for a device
// while that device is connected, and a command for a device with none waits for redelivery.
import { randomUUID } from 'node:crypto';
import type { EventBus } from './events.js';
import type { DeviceRegistry } from './devices.js';
import { isFinal, type Command, type CommandState, type TransportKind } from './model.js';
import type { Store } from './store.js';
import type { HubLogger } from './logger.js';
import type { Stage } from './stage.js';

/** A transport's way to put a command on the wire; false when the device cannot take it now. */
export interface CommandSink {
  deliver(command: Command): Promise<boolean>;
}

export interface CommandRequest {
  deviceId: string;
  action: string;
  params?: Record<string, unknown>;
  timeoutMs: number;
}

export class CommandError extends Error {
  constructor(
    readonly code: 'unknown_device' | 'no_transport',
    message: string,
  ) {
    super(message);
    this.name = 'CommandError';
  }
}

export class CommandService implements Stage {
  readonly name = 'commands';
  /** Kinds of device some transport carries commands for; a command to any other kind is refused at once. */
  private readonly kinds = new Set<TransportKind>();
  /** The sink of each connected device, attached by the transport it is connected through. */
  private readonly sinks = new Map<string, CommandSink>();
  private readonly open = new Map<string, Command>();
  /** Each command's last state write: its writes and events go out in the order of its states. */
  private readonly writes = new WeakMap<Command, Promise<void>>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly deps: {
      devices: DeviceRegistry;
      bus: EventBus;
      store: Pick<Store, 'saveCommand' | 'loadCommands'>;
      log: HubLogger;
      clock?: () => number;
    },
  ) {}

  /** A transport that carries commands for devices of `kind` says so once, before it attaches any. */
  acceptKind(kind: TransportKind): void {
    this.kinds.add(kind);
  }

  /**
   * Routes the device's commands to `sink` until the returned function detaches it. Null when
   * another sink already serves the device: two connections claiming one id must not both take
   * its commands, so the first keeps them.
   */
  attach(deviceId: string, sink: CommandSink): (() => void) | null {
    const current = this.sinks.get(deviceId);
    if (current && current !== sink) return null;
    this.sinks.set(deviceId, sink);
    return () => {
      if (this.sinks.get(deviceId) === sink) this.sinks.delete(deviceId);
    };
  }

  async start(): Promise<void> {
    for (const cmd of await this.deps.store.loadCommands({ states: ['queued', 'sent'], limit: 10_000 })) this.open.set(cmd.id, cmd);
    this.timer = setInterval(() => void this.expireDue(), 500);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  async create(req: CommandRequest): Promise<Command> {
    const device = this.deps.devices.get(req.deviceId);
    if (!device) throw new CommandError('unknown_device', `unknown device ${req.deviceId}`);
    if (!this.kinds.has(device.transport))
      throw new CommandError('no_transport', `no transport takes commands for ${device.transport} devices`);
    const now = this.now();
    const command: Command = {
      id: randomUUID(),
      deviceId: req.deviceId,
      action: req.action,
      params: req.params ?? {},
      state: 'queued',
      createdAt: now,
      updatedAt: now,
      expiresAt: now + req.timeoutMs,
    };
    this.open.set(command.id, command);
    await this.transition(command, 'queued');
    await this.deliver(command);
    return command;
  }

  /** The device's answer. Unknown or already final commands are ignored (a resent ack). */
  async ack(deviceId: string, commandId: string, result: { ok: boolean; error?: string }): Promise<Command | null> {
    const command = this.open.get(commandId);
    if (!command || command.deviceId !== deviceId) return null;
    this.open.delete(commandId);
    // A device can answer before its transport confirms the delivery (an MQTT broker confirms a
    // publish a turn after writing it): the answer proves the command went out.
    if (command.state === 'queued') await this.transition(command, 'sent');
    await this.transition(command, result.ok ? 'acked' : 'failed', result.ok ? undefined : (result.error ?? 'device reported failure'));
    return command;
  }

  /** Called by a transport when a device (re)connects: resend what it has not answered. */
  async redeliver(deviceId: string): Promise<void> {
    for (const command of this.open.values()) {
      if (command.deviceId === deviceId) await this.deliver(command);
    }
  }

  get(id: string): Command | undefined {
    return this.open.get(id);
  }

  pending(deviceId: string): Command[] {
    return [...this.open.values()].filter((c) => c.deviceId === deviceId);
  }

  async expireDue(): Promise<void> {
    const now = this.now();
    for (const command of [...this.open.values()]) {
      if (command.expiresAt > now) continue;
      this.open.delete(command.id);
      await this.transition(command, 'expired', 'no answer from the device before the command expired');
    }
  }

  private async deliver(command: Command): Promise<void> {
    if (command.expiresAt <= this.now()) return;
    const sink = this.sinks.get(command.deviceId);
    if (!sink) return;
    try {
      if ((await sink.deliver(command)) && command.state === 'queued') await this.transition(command, 'sent');
    } catch (err) {
      this.deps.log.warn({ err, deviceId: command.deviceId, commandId: command.id }, 'command delivery failed; will retry on reconnect');
    }
  }

  private transition(command: Command, state: CommandState, error?: string): Promise<void> {
    if (isFinal(command.state)) return Promise.resolve();
    command.state = state;
    command.updatedAt = this.now();
    if (error !== undefined) command.error = error;
    // The state as of this transition: the device may answer while its `sent` is still being
    // stored, and that write and its event must still say `sent`, before the answer's.
    const snapshot = { ...command };
    const written = (this.writes.get(command) ?? Promise.resolve()).then(() => this.record(snapshot));
    this.writes.set(command, written);
    return written;
  }

  private async record(snapshot: Command): Promise<void> {
    try {
      await this.deps.store.saveCommand(snapshot);
    } catch (err) {
      this.deps.log.error({ err, commandId: snapshot.id }, 'could not store command state');
    }
    this.deps.bus.emit('command', snapshot);
  }

  private now(): number {
    return (this.deps.clock ?? Date.now)();
  }
}
