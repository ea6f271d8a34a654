// One conversation in the line protocol (docs/protocol.md, "Serial line protocol") with the
// serial-telemetry firmware, whatever carries its bytes: asks the device to introduce itself,
// registers it from its hello, welcomes it with the stream head `h` (so it resends what comes
// after, or numbers a fresh boot's samples from h + 1) echoing the hello's boot id, submits
// telemetry to ingest and acks `h` only once durable, turns heartbeats into presence, and
// carries commands both ways (the device's commands come here from its hello until the port
// closes). Frames are handled one at a time in arrival order; a damaged or malformed frame is
// counted, logged and answered with `err`, and the conversation goes on.
// The port (and its reopening) is session.ts's; the fault explorer drives this class directly.
import type { HubLogger } from '../../../core/logger.js';
import { seqAfter, type ActuatorSpec, type Command } from '../../../core/model.js';
import type { LineRefusalCode } from '../../../core/refusals.js';
import type { TransportContext } from '../../context.js';
import { TransportRefusals } from '../../refusals.js';
import { formatHubFrame, parseDeviceFrame, type DeviceFrame, type HubFrame } from './codec.js';
import { toWireCommand } from './commands.js';
import type { LineDeviceConfig } from './descriptor.js';
import { FrameError, decodeFrame, encodeFrame } from './framing.js';
import { SequenceGuard } from './sequence-guard.js';

const SOURCE = 'line';
/** Telemetry before a hello is answered with `hi`, but not more often than this. */
const HI_EVERY_MS = 500;
/** Open commands are sent again after a device reports a damaged frame, but not more often than this. */
const REDELIVER_EVERY_MS = 2_000;

type Telemetry = Extract<DeviceFrame, { type: 'telemetry' }>;

/** What carries the frames: a serial port in the hub. */
export interface LineWire {
  readonly isOpen: boolean;
  write(bytes: Buffer): Promise<void>;
}

export class LineConversation {
  private log: HubLogger;
  /** Set by the first hello; kept across reconnects so presence can say the device went away. */
  private deviceId: string | null = null;
  private actuators: ActuatorSpec[] = [];
  /** True between a welcome and the port closing: telemetry is accepted and commands go out. */
  private welcomed = false;
  private lastAckSent: number | null = null;
  private lastHiAt = 0;
  private lastRedeliverAt = 0;
  private lastLost = 0;
  private lastSampleTs = 0;
  /** Durable promises of submitted telemetry not yet resolved; a hello waits for them. */
  private readonly unsettled = new Set<Promise<unknown>>();
  private queue: Promise<void> = Promise.resolve();
  private readonly sequence: SequenceGuard;
  private detach: (() => void) | null = null;
  /** A noisy line is counted in full but logged a few lines per window. */
  private readonly refusals: TransportRefusals;
  private readonly commandSink = { deliver: (command: Command) => this.deliver(command) };

  constructor(
    private readonly ctx: TransportContext,
    private readonly device: Pick<LineDeviceConfig, 'id' | 'name' | 'sampleIntervalMs'>,
    private readonly wire: LineWire,
    private readonly baseLog: HubLogger,
    private readonly clock: () => number = Date.now,
  ) {
    this.log = baseLog;
    this.refusals = new TransportRefusals({
      source: SOURCE,
      message: 'line frame refused',
      bus: ctx.bus,
      log: baseLog,
      metrics: ctx.metrics,
      clock,
    });
    this.sequence = new SequenceGuard(clock);
  }

  /** One line arrived (without its newline). Dated now: it may wait behind a hello that waits for the store. */
  line(line: Buffer): void {
    const receivedAt = this.clock();
    this.enqueue(() => this.onLine(line, receivedAt));
  }

  /** A line longer than the protocol allows was discarded. */
  tooLong(bytes: number, limit: number): void {
    this.refuse('too_long', `line of ${bytes} bytes exceeds ${limit}; discarded`);
  }

  /** The port (re)opened: a device that kept running does not know it must say hello again. */
  opened(): void {
    this.welcomed = false;
    this.lastAckSent = null;
    this.lastHiAt = 0;
    this.sayHi();
  }

  closed(reason: string): void {
    this.welcomed = false;
    this.detachCommands();
    if (this.deviceId) this.ctx.presence.offline(this.deviceId, `serial port closed: ${reason}`);
  }

  async stop(): Promise<void> {
    await this.queue;
    this.detachCommands();
    if (this.deviceId) this.ctx.presence.offline(this.deviceId, 'hub stopping');
  }

  private enqueue(handle: () => Promise<void> | void): void {
    this.queue = this.queue.then(handle).catch((err: unknown) => this.log.error({ err }, 'line frame handling failed'));
  }

  private async onLine(line: Buffer, receivedAt: number): Promise<void> {
    let frame: DeviceFrame;
    try {
      frame = parseDeviceFrame(decodeFrame(line));
    } catch (err) {
      if (!(err instanceof FrameError)) throw err;
      this.refuse(err.code, err.message, line);
      return;
    }
    switch (frame.type) {
      case 'hello':
        return this.onHello(frame);
      case 'telemetry':
        return this.onTelemetry(frame, receivedAt);
      case 'heartbeat':
        return this.onHeartbeat(frame);
      case 'commandAck':
        return this.onCommandAck(frame);
      case 'error':
        return this.onDeviceError(frame.reason);
    }
  }

  private async onHello(hello: Extract<DeviceFrame, { type: 'hello' }>): Promise<void> {
    const id = this.device.id ?? hello.deviceId;
    if (this.device.id && this.device.id !== hello.deviceId) {
      this.log.info(
        { configured: this.device.id, announced: hello.deviceId },
        'device announces another id; using the one from the devices file',
      );
    }
    if (!this.attach(id)) {
      this.refuse('id_in_use', `device id ${id} is already served on another port; give this port's entry its own id in the devices file`);
      return;
    }
    this.actuators = hello.actuators;
    await this.ctx.devices.register({
      id,
      name: this.device.name ?? hello.deviceId,
      transport: 'line',
      firmware: hello.firmware,
      sampleIntervalMs: this.device.sampleIntervalMs ?? hello.sampleIntervalMs,
      metrics: hello.metrics,
      actuators: hello.actuators,
    });
    // Telemetry accepted before this hello (e.g. just before an MCU reset) must be durable and in
    // h first: a fresh boot numbers its samples from h + 1, and a seq the ledger had already
    // accepted would be dropped as a resend.
    await Promise.allSettled([...this.unsettled]);
    const { h } = await this.ctx.ingest.settled(id);
    // The boot id echoed tells a device that reset meanwhile that this welcome is not for it.
    this.send({ type: 'welcome', h, sampleIntervalMs: this.device.sampleIntervalMs, bootId: hello.bootId });
    this.sequence.restart(h);
    this.welcomed = true;
    this.lastAckSent = h;
    this.log.info({ firmware: hello.firmware, h }, 'device said hello; welcomed');
    this.ctx.presence.online(id, 'hello on serial line');
    await this.ctx.commands.redeliver(id);
  }

  /** Takes the device's commands; false when another port already serves that id (two boards flashed with the same id must not share one stream). */
  private attach(id: string): boolean {
    if (this.detach && this.deviceId === id) return true;
    const detach = this.ctx.commands.attach(id, this.commandSink);
    if (!detach) return false;
    this.detach?.();
    this.detach = detach;
    if (this.deviceId === id) return true;
    // Another board on this port (or the same one reflashed with a new id): nothing talks to the
    // old device any more, so it must not stay online.
    if (this.deviceId) this.ctx.presence.offline(this.deviceId, `serial port now serves ${id}`);
    this.deviceId = id;
    this.log = this.baseLog.child({ deviceId: id });
    return true;
  }

  private detachCommands(): void {
    this.detach?.();
    this.detach = null;
  }

  private onTelemetry(frame: Telemetry, receivedAt: number): void {
    if (!this.welcomed || !this.deviceId) {
      this.refuse('before_hello', `telemetry seq ${frame.seq} before hello; asking the device to say hello`);
      this.sayHi();
      return;
    }
    const deviceId = this.deviceId;
    const order = this.sequence.check(frame.seq);
    if (order.verdict === 'gap') {
      this.refuse('gap', `telemetry seq ${frame.seq} while ${order.expected} is missing (lost on the line); asking for a resend`);
      // `hi` makes the device say hello; the welcome that answers it (sent once everything taken
      // is durable) makes it resend from its oldest unacked sample. Not a welcome right here: a
      // device that reset meanwhile would number its new samples after a head that frames of
      // its previous life, still on the line, are about to move, and they would collide.
      if (order.askResend) this.send({ type: 'hi' });
      return;
    }
    // Frames read in one chunk share a receive time; samples are taken in seq order, so a new one
    // is stamped at least 1 ms after the one before and never collides with it in the store.
    let ts = receivedAt - frame.ageMs;
    if (!order.resend) {
      ts = Math.max(ts, this.lastSampleTs + 1);
      this.lastSampleTs = ts;
    }
    const outcome = this.ctx.ingest.submit({
      deviceId,
      seq: frame.seq,
      source: SOURCE,
      readings: frame.values.map(({ metric, value }) => ({ metric, value, ts })),
    });
    if (outcome.status === 'refused') {
      // Ingest has counted it; no ack, so the device keeps the sample. Later frames wait for its
      // resend: taking them would move the head past it.
      this.sequence.holdAt(frame.seq);
      this.refusals.log(deviceId, outcome, { seq: frame.seq }, 'telemetry refused by ingest');
      return;
    }
    // A resend is acked again even when h has not moved: the device may have missed the first ack.
    const resend = outcome.status === 'duplicate';
    const durable = outcome.durable.then(({ h }) => this.ack(h, resend));
    this.unsettled.add(durable);
    void durable.finally(() => this.unsettled.delete(durable));
  }

  private ack(h: number | null, repeat: boolean): void {
    if (h === null || !this.welcomed) return;
    if (!repeat && this.lastAckSent !== null && !seqAfter(this.lastAckSent, h)) return;
    this.lastAckSent = h;
    this.send({ type: 'ack', h });
  }

  private onHeartbeat(frame: Extract<DeviceFrame, { type: 'heartbeat' }>): void {
    if (!this.welcomed || !this.deviceId) {
      this.sayHi();
      return;
    }
    this.ctx.presence.heard(this.deviceId);
    if (frame.first !== undefined) {
      // The device's oldest held sample: what lies before it and was never taken is gone from
      // the device, so both the line's guard and the stream ledger go on from it (ingest logs it).
      const gone = this.sequence.deviceOldest(frame.first);
      const lost = this.ctx.ingest.declareOldest(this.deviceId, frame.first, SOURCE);
      if (gone > 0 && !lost) this.log.debug({ first: frame.first }, 'line guard moved on; the ledger had it already');
    }
    if (frame.lost !== undefined && frame.lost > this.lastLost) {
      this.log.warn({ lost: frame.lost, buffered: frame.buffered }, 'device ring buffer overflowed; oldest unacked samples dropped');
    }
    this.lastLost = frame.lost ?? 0;
  }

  /**
   * The device got a damaged frame; if it was a command, sending the open ones again recovers it.
   * At most every few seconds, so a command the device can never read does not loop on the line.
   */
  private async onDeviceError(reason: string): Promise<void> {
    this.log.warn({ reason }, 'device refused a hub frame');
    const now = this.clock();
    if (!this.welcomed || !this.deviceId || now - this.lastRedeliverAt < REDELIVER_EVERY_MS) return;
    this.lastRedeliverAt = now;
    await this.ctx.commands.redeliver(this.deviceId);
  }

  private async onCommandAck(frame: Extract<DeviceFrame, { type: 'commandAck' }>): Promise<void> {
    if (!this.deviceId) return;
    const command = await this.ctx.commands.ack(this.deviceId, frame.commandId, { ok: frame.ok, error: frame.error });
    if (!command) this.log.debug({ commandId: frame.commandId }, 'ack for an unknown or finished command');
  }

  private async deliver(command: Command): Promise<boolean> {
    if (!this.welcomed || !this.wire.isOpen) return false;
    const wire = toWireCommand(command, this.actuators);
    if (!wire.ok) {
      this.log.warn({ commandId: command.id, error: wire.error }, 'command refused before sending');
      await this.ctx.commands.ack(command.deviceId, command.id, { ok: false, error: wire.error });
      return false;
    }
    await this.wire.write(encodeFrame(formatHubFrame({ type: 'command', id: command.id, action: command.action, params: wire.params })));
    return true;
  }

  private sayHi(): void {
    const now = this.clock();
    if (now - this.lastHiAt < HI_EVERY_MS) return;
    this.lastHiAt = now;
    this.send({ type: 'hi' });
  }

  private refuse(code: LineRefusalCode, detail: string, line?: Buffer): void {
    this.refusals.refuse(this.deviceId, { code, detail }, { line: line?.subarray(0, 80).toString('latin1') });
    if (code !== 'before_hello' && code !== 'gap') this.send({ type: 'error', reason: `${code}: ${detail}` });
  }

  private send(frame: HubFrame): void {
    this.wire
      .write(encodeFrame(formatHubFrame(frame)))
      .catch((err: unknown) => this.log.debug({ err, frame: frame.type }, 'could not write to the serial port; it will reopen'));
  }
}
