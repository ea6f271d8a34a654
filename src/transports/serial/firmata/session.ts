// A Firmata board (an Arduino running StandardFirmata) driven through johnny-five. The session
// owns the board's serial port (reopened with backoff after a replug) and builds a BoardLink for
// every open period. Sensors become readings, `set` commands switch actuators, and presence
// follows the board: online when ready or answering firmware queries again, offline when the
// port closes or a query goes unanswered (a wedged USB link keeps the port open but silent).
// The session takes the board's commands from the time its link is ready until the link goes;
// while the board is silent it keeps them but holds them back, to deliver once it answers.
import type { Command } from '../../../core/model.js';
import type { CommandSink } from '../../../core/commands.js';
import type { TransportContext } from '../../context.js';
import { TransportRefusals } from '../../refusals.js';
import { ReconnectingPort, portOptions } from '../port.js';
import { checkSetParams } from './actuators.js';
import { BoardLink, DEFAULT_SENSOR_INTERVAL_MS, type LinkTiming } from './board-link.js';
import type { FirmataDeviceConfig } from './config.js';

export const DEFAULT_FIRMATA_TIMING: LinkTiming = {
  probeIntervalMs: 5_000,
  probeTimeoutMs: 3_000,
  reportVersionTimeoutMs: 2_000,
  handshakeTimeoutMs: 15_000,
};

export interface FirmataSessionOptions {
  /** Overrides of the probe and handshake timing; `probe` in the devices file wins over these. */
  timing?: Partial<LinkTiming>;
  /** Backoff between attempts to reopen a vanished port (ReconnectingPort's defaults when unset). */
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

export class FirmataSession implements CommandSink {
  private readonly deviceId: string;
  private readonly log: TransportContext['log'];
  private port: ReconnectingPort | null = null;
  private link: BoardLink | null = null;
  private detachCommands: (() => void) | null = null;
  private stopped = true;
  private readonly timing: LinkTiming;
  private readonly garbage: TransportRefusals;

  constructor(
    private readonly ctx: TransportContext,
    private readonly device: FirmataDeviceConfig,
    private readonly options: FirmataSessionOptions = {},
  ) {
    this.deviceId = device.id;
    this.log = ctx.log.child({ transport: 'firmata', deviceId: device.id });
    this.timing = timingOf(device, options.timing);
    this.garbage = new TransportRefusals({
      source: 'firmata',
      message: 'firmata could not parse bytes from the board',
      bus: ctx.bus,
      log: this.log,
      metrics: ctx.metrics,
    });
  }

  async start(): Promise<void> {
    this.stopped = false;
    const { device } = this;
    await this.ctx.devices.register({
      id: this.deviceId,
      name: device.name ?? this.deviceId,
      transport: 'firmata',
      metrics: device.sensors.map((s) => ({ name: s.metric, unit: s.unit })),
      actuators: device.actuators.map(({ name, type }) => ({ name, type })),
      sampleIntervalMs:
        device.sensors.length > 0
          ? Math.min(...device.sensors.map((s) => s.intervalMs ?? DEFAULT_SENSOR_INTERVAL_MS))
          : this.timing.probeIntervalMs,
    });
    this.ctx.commands.acceptKind('firmata');
    const port = new ReconnectingPort(portOptions(device, this.log, this.options));
    this.port = port;
    port.on('open', () => this.connect(port));
    port.on('close', (reason) => this.disconnect(`serial port closed (${reason})`));
    port.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.dropLink();
    await this.port?.stop();
    this.port = null;
    this.ctx.presence.offline(this.deviceId, 'hub stopping');
  }

  /** CommandSink: false while no board is ready, so the command waits for redelivery on ready. */
  async deliver(command: Command): Promise<boolean> {
    const link = this.link;
    if (!link?.isReady) return false;
    const values =
      command.action === 'set'
        ? checkSetParams(this.device.actuators, command.params)
        : `unknown action "${command.action}"; firmata boards take "set"`;
    if (typeof values === 'string') return this.refuse(command, values);
    const unusable = link.problemWith(values);
    if (unusable) return this.refuse(command, unusable);
    link.apply(values);
    // Firmata does not acknowledge writes; an answer to a query sent after them proves the board
    // took them. Without an answer the command stays open and is delivered again on reconnect.
    void link.roundTrip().then((answered) => {
      if (answered) this.answer(command, { ok: true });
      else this.log.warn({ commandId: command.id }, 'board did not confirm the command; it will be delivered again when the board is back');
    });
    return true;
  }

  private connect(port: ReconnectingPort): void {
    this.dropLink();
    const link = new BoardLink(port, this.device, this.timing, this.log);
    this.link = link;
    link.on('ready', (firmware) => {
      this.attachCommands();
      void this.onReady(firmware);
    });
    link.on('sample', (metric, value, ts) => this.submit(metric, value, ts));
    link.on('unparsable', (err) =>
      this.garbage.refuse(this.deviceId, { code: 'unparsable_bytes', detail: err instanceof Error ? err.message : String(err) }, { err }),
    );
    let silent = false;
    link.on('alive', () => {
      this.ctx.presence.heard(this.deviceId);
      if (!silent) return;
      silent = false;
      this.log.info({}, 'firmata board answers again');
      // Commands that arrived while it was silent were held back; deliver them now.
      void this.ctx.commands.redeliver(this.deviceId).catch((err: unknown) => this.log.error({ err }, 'could not redeliver commands'));
    });
    link.on('wedged', (reason) => {
      silent = true;
      this.log.warn({ reason }, 'firmata board stopped answering');
      this.ctx.presence.offline(this.deviceId, reason);
    });
    link.on('restart', (reason) => {
      this.log.warn({ reason }, 'setting the firmata board up again');
      this.ctx.presence.offline(this.deviceId, reason);
      if (!this.stopped && this.link === link) this.connect(port);
    });
    link.start();
  }

  private disconnect(reason: string): void {
    this.dropLink();
    this.ctx.presence.offline(this.deviceId, reason);
  }

  private dropLink(): void {
    this.detachCommands?.();
    this.detachCommands = null;
    this.link?.stop();
    this.link = null;
  }

  private attachCommands(): void {
    if (this.detachCommands) return;
    this.detachCommands = this.ctx.commands.attach(this.deviceId, this);
    if (!this.detachCommands) this.log.warn({}, 'another connection serves this device id; its commands go there, not to this board');
  }

  private async onReady(firmware: string): Promise<void> {
    try {
      const known = this.ctx.devices.get(this.deviceId);
      if (known) await this.ctx.devices.register({ ...known, firmware });
      this.ctx.presence.online(this.deviceId, `board ready (${firmware})`);
      await this.ctx.commands.redeliver(this.deviceId);
    } catch (err) {
      this.log.error({ err }, 'could not bring the firmata board online');
    }
  }

  private submit(metric: string, value: number, ts: number): void {
    const outcome = this.ctx.ingest.submit({ deviceId: this.deviceId, source: 'firmata', readings: [{ metric, value, ts }] });
    // Ingest counts and reports refusals; the log line ties them to this board.
    if (outcome.status === 'refused') this.log.debug({ metric, code: outcome.code, detail: outcome.detail }, 'reading refused');
  }

  /** Fails a command the board cannot carry out, before any pin is written; it counts as delivered. */
  private refuse(command: Command, reason: string): true {
    this.log.warn({ commandId: command.id, reason }, 'command refused');
    this.ctx.metrics?.frameRefused('firmata', 'command_refused');
    this.answer(command, { ok: false, error: reason });
    return true;
  }

  private answer(command: Command, result: { ok: boolean; error?: string }): void {
    // Answer after deliver() has returned, so the command is `sent` before it is final.
    setImmediate(() => {
      this.ctx.commands
        .ack(this.deviceId, command.id, result)
        .catch((err: unknown) => this.log.error({ err, commandId: command.id }, 'could not record the command answer'));
    });
  }
}

function timingOf(device: FirmataDeviceConfig, overrides: Partial<LinkTiming> = {}): LinkTiming {
  return {
    ...DEFAULT_FIRMATA_TIMING,
    ...overrides,
    ...(device.probe?.intervalMs !== undefined ? { probeIntervalMs: device.probe.intervalMs } : {}),
    ...(device.probe?.timeoutMs !== undefined ? { probeTimeoutMs: device.probe.timeoutMs } : {}),
  };
}
