// One DSMR P1 smart meter on one serial port. The meter only talks: every 1 s (DSMR 5) or 10 s
// (older) it sends a telegram. Each telegram is framed, CRC-checked, parsed and mapped to
// readings, which go to ingest without a sequence number (meters have none); a resent telegram
// carries the same timestamps and the store drops the repeats by (device, metric, ts).
// A corrupted telegram is counted, logged and dropped whole: one bad byte could be in any value.
import type { Device } from '../../../core/model.js';
import type { DsmrRefusalCode, Refusal } from '../../../core/refusals.js';
import type { TransportContext } from '../../context.js';
import type { HubLogger } from '../../../core/logger.js';
import { TransportRefusals } from '../../refusals.js';
import { ReconnectingPort, portOptions } from '../port.js';
import { MAX_TELEGRAM_BYTES, TelegramFramer, type DroppedFrame, type FramedTelegram } from './framer.js';
import { meterDeviceId } from './meter-id.js';
import { readoutOf } from './obis.js';
import type { DsmrDeviceConfig } from './descriptor.js';
import { parseTelegram } from './parser.js';

const DROPPED: Record<DroppedFrame['reason'], Refusal<DsmrRefusalCode>> = {
  truncated: { code: 'truncated', detail: 'telegram cut off: a "/" came before its "!"' },
  oversized: { code: 'oversized', detail: `telegram longer than ${MAX_TELEGRAM_BYTES} bytes` },
  'malformed crc': { code: 'malformed_crc', detail: 'what follows "!" is not a CRC of 1-4 hex digits' },
};

export interface DsmrSessionOptions {
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

export class DsmrSession {
  private readonly framer = new TelegramFramer();
  private readonly port: ReconnectingPort;
  private readonly log: HubLogger;
  private readonly refusals: TransportRefusals;
  /** The device id telegrams are stored under; known from the devices file or the first telegram. */
  private deviceId: string | null;
  private readonly registeredMetrics = new Set<string>();
  /** Telegrams are handled one after another: registering a device is async and must come first. */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly ctx: TransportContext,
    private readonly device: DsmrDeviceConfig,
    options: DsmrSessionOptions = {},
  ) {
    this.deviceId = device.id ?? null;
    this.log = ctx.log.child({ transport: 'dsmr', port: device.port ?? device.match, ...(device.id ? { deviceId: device.id } : {}) });
    this.port = new ReconnectingPort(portOptions(device, this.log, options));
    this.refusals = new TransportRefusals({
      source: 'dsmr',
      message: 'telegram refused',
      bus: ctx.bus,
      log: this.log,
      metrics: ctx.metrics,
    });
  }

  async start(): Promise<void> {
    if (this.deviceId) await this.register(this.deviceId, null, []);
    this.port.on('data', (chunk) => this.onData(chunk));
    this.port.on('close', (reason) => this.onClose(reason));
    this.port.start();
  }

  async stop(): Promise<void> {
    this.port.removeAllListeners();
    await this.port.stop();
    await this.queue;
    if (this.deviceId) this.ctx.presence.offline(this.deviceId, 'hub stopped reading the meter');
  }

  private onData(chunk: Buffer): void {
    for (const frame of this.framer.push(chunk)) {
      if (frame.kind === 'dropped') this.refuse(DROPPED[frame.reason], { bytes: frame.bytes });
      else
        this.queue = this.queue
          .then(() => this.handle(frame, Date.now()))
          .catch((err: unknown) => this.log.error({ err }, 'could not handle a telegram'));
    }
  }

  private onClose(reason: string): void {
    this.framer.reset();
    if (this.deviceId) this.ctx.presence.offline(this.deviceId, reason);
  }

  private async handle(frame: FramedTelegram, receivedAt: number): Promise<void> {
    if (frame.crc && !frame.crc.valid) {
      const computed = frame.crc.computed.toString(16).toUpperCase().padStart(4, '0');
      return this.refuse(
        { code: 'bad_crc', detail: `CRC ${frame.crc.stated} stated, ${computed} computed` },
        { stated: frame.crc.stated, computed },
      );
    }
    const telegram = parseTelegram(frame.bytes);
    // DSMR 4+ (1-3:0.2.8) and Belgian (0-0:96.1.4) meters always send a CRC; one without has lost it.
    const versioned = telegram.objects.has('1-3:0.2.8') || telegram.objects.has('0-0:96.1.4');
    if (!frame.crc && versioned)
      return this.refuse({ code: 'missing_crc', detail: 'a DSMR 4+ or e-MUCS telegram without its CRC' }, { header: telegram.header });
    // Without a CRC the line structure is the only check there is.
    if (!frame.crc && telegram.malformed.length > 0) {
      const [first] = telegram.malformed;
      return this.refuse(
        { code: 'malformed_line', detail: `line ${first.line} is not obis(value): ${first.text}` },
        { lines: telegram.malformed },
      );
    }

    const readout = readoutOf(telegram, receivedAt);
    const deviceId = this.device.id ?? (readout.equipmentId ? meterDeviceId(readout.equipmentId) : null);
    if (!deviceId)
      return this.refuse(
        { code: 'no_equipment_id', detail: 'no usable equipment id in the telegram, and no id in the devices file' },
        { header: telegram.header },
      );
    // Line noise can frame as "/…!" with nothing inside; a real meter always reports something.
    if (readout.readings.length === 0)
      return this.refuse(
        { code: 'no_readings', detail: 'the telegram holds no value the hub stores' },
        { header: telegram.header, skipped: readout.skipped },
      );
    if (readout.skipped.length > 0) this.log.debug({ deviceId, skipped: readout.skipped }, 'telegram objects not stored');

    await this.adoptDeviceId(deviceId, readout.p1Version, readout.metrics, telegram.header);
    const outcome = this.ctx.ingest.submit({ deviceId, source: 'dsmr', readings: readout.readings });
    if (outcome.status === 'refused') {
      this.refusals.log(deviceId, outcome, {}, 'telegram refused by ingest');
      return;
    }
    this.ctx.presence.online(deviceId, 'telegram received');
  }

  /** Registers the meter on its first telegram, when it reports new metrics, or when it was swapped. */
  private async adoptDeviceId(deviceId: string, p1Version: string | null, metrics: Device['metrics'], header: string): Promise<void> {
    if (this.deviceId !== deviceId) {
      if (this.deviceId) this.ctx.presence.offline(this.deviceId, `meter on ${this.port.description} now reports as ${deviceId}`);
      this.deviceId = deviceId;
      this.registeredMetrics.clear();
      this.log.info({ deviceId, header }, 'meter identified');
    }
    const fresh = metrics.filter((m) => !this.registeredMetrics.has(m.name));
    if (fresh.length > 0 || this.registeredMetrics.size === 0) await this.register(deviceId, p1Version, metrics, header);
  }

  private async register(deviceId: string, p1Version: string | null, metrics: Device['metrics'], header?: string): Promise<void> {
    await this.ctx.devices.register({
      id: deviceId,
      name: this.device.name ?? `Smart meter ${deviceId}`,
      transport: 'dsmr',
      ...(header ? { firmware: header } : {}),
      metrics,
      // DSMR 5 sends every second, older versions every ten seconds.
      sampleIntervalMs: p1Version !== null && Number(p1Version) >= 50 ? 1_000 : 10_000,
    });
    for (const m of metrics) this.registeredMetrics.add(m.name);
  }

  private refuse(refusal: Refusal<DsmrRefusalCode>, details: Record<string, unknown>): void {
    this.refusals.refuse(this.deviceId, refusal, details);
  }
}
