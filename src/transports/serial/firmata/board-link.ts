// One connection to a Firmata board: firmata-io over the port adapter, a johnny-five Board on
// top, the configured sensors and actuators as johnny-five components, and a firmware query
// (REPORT_FIRMWARE) sent every probe interval. The query is how a silently wedged USB link is
// noticed: the port stays open, but the board stops answering within the probe timeout.
// The session builds a fresh link for every port open and every board restart.
import { EventEmitter } from 'node:events';
import firmataIo, { type Firmata } from 'firmata-io';
import five, { type Board, type Sensor } from 'johnny-five';
import type { HubLogger } from '../../../core/logger.js';
import type { FirmataDeviceConfig, FirmataSensorConfig } from './config.js';
import { ActuatorBank, type ActuatorValues } from './actuators.js';
import { PortTransport, type SerialLink } from './port-transport.js';
import { scaleValue, sensorPin } from './sensors.js';

const QUERY_FIRMWARE = 0x79;
export const DEFAULT_SENSOR_INTERVAL_MS = 1_000;

export interface LinkTiming {
  probeIntervalMs: number;
  probeTimeoutMs: number;
  /** How long firmata-io waits for the board to announce itself before asking. */
  reportVersionTimeoutMs: number;
  /** A board not ready this long after the port opened gets a fresh link. */
  handshakeTimeoutMs: number;
}

export interface LinkEvents {
  ready: [firmware: string];
  sample: [metric: string, value: number, ts: number];
  /** The board answered a firmware query. */
  alive: [];
  /** The board did not answer a firmware query in time. */
  wedged: [reason: string];
  /** The board announced itself again after being ready (an MCU reset), or never got ready. */
  restart: [reason: string];
  /** Bytes from the board that firmata-io or johnny-five choked on (line noise, a wrong firmware). */
  unparsable: [err: unknown];
}

export class BoardLink extends EventEmitter<LinkEvents> {
  private transport: PortTransport | null = null;
  private io: Firmata | null = null;
  private board: Board | null = null;
  private sensors: Sensor[] = [];
  private actuators: ActuatorBank;
  private timers: NodeJS.Timeout[] = [];
  private probeDeadline: NodeJS.Timeout | null = null;
  private queriesSent = 0;
  private answersSeen = 0;
  private roundTrips: Array<{ ticket: number; resolve: (answered: boolean) => void }> = [];
  private wedged = false;

  constructor(
    private readonly port: SerialLink,
    private readonly device: FirmataDeviceConfig,
    private readonly timing: LinkTiming,
    private readonly log: HubLogger,
  ) {
    super();
    this.actuators = new ActuatorBank(device.actuators);
  }

  get isReady(): boolean {
    return this.board?.isReady === true && !this.wedged;
  }

  start(): void {
    this.transport = new PortTransport(this.port, this.log, (err) => this.emit('unparsable', err));
    const io = new firmataIo.Firmata(this.transport, { reportVersionTimeout: this.timing.reportVersionTimeoutMs });
    this.io = io;
    // johnny-five keeps every Board in a module-level list it never prunes: one small entry per
    // port open or board restart, which is acceptable for a long-running hub.
    const board = new five.Board({ io, repl: false, debug: false, sigint: false, timeout: this.timing.handshakeTimeoutMs * 2 });
    this.board = board;
    // johnny-five rethrows an unhandled 'error'; a link problem is a log line and a new link.
    board.on('error', (err: unknown) => this.log.warn({ err }, 'johnny-five board error'));
    board.once('ready', () => {
      // This runs inside the port's data callback; a throw here must not escape into serialport.
      try {
        this.onReady(io, board);
      } catch (err) {
        this.log.error({ err }, 'could not set up the firmata board; check its pins in the devices file');
        this.emit('restart', `set-up failed: ${(err as Error).message}`);
      }
    });
    this.timers.push(
      setTimeout(() => {
        if (!board.isReady) this.emit('restart', `board not ready within ${this.timing.handshakeTimeoutMs} ms of opening the port`);
      }, this.timing.handshakeTimeoutMs),
    );
    this.transport.attach();
  }

  stop(): void {
    for (const timer of this.timers) clearTimeout(timer); // clears the intervals too
    this.timers = [];
    if (this.probeDeadline) clearTimeout(this.probeDeadline);
    for (const sensor of this.sensors) sensor.disable();
    for (const waiter of this.roundTrips.splice(0)) waiter.resolve(false);
    // johnny-five's connect timer and firmata-io's version request would fire into an abandoned link.
    const pendingConnectTimer = (this.board as unknown as { timer?: NodeJS.Timeout } | null)?.timer;
    if (pendingConnectTimer) clearTimeout(pendingConnectTimer);
    const pendingVersionTimer = (this.io as unknown as { reportVersionTimeoutId?: NodeJS.Timeout } | null)?.reportVersionTimeoutId;
    if (pendingVersionTimer) clearTimeout(pendingVersionTimer);
    this.transport?.detach();
    this.io?.removeAllListeners();
    this.board?.removeAllListeners();
    this.board?.on('error', () => {});
    this.removeAllListeners();
  }

  /** Why this board cannot apply `values` (an actuator on a pin it cannot drive), or null. */
  problemWith(values: ActuatorValues): string | null {
    return this.actuators.problemWith(values);
  }

  apply(values: ActuatorValues): void {
    this.actuators.apply(values);
  }

  /**
   * Resolves true once the board has answered a firmware query sent after everything written so
   * far: Firmata handles bytes in order, so the answer proves the earlier writes were taken.
   */
  roundTrip(): Promise<boolean> {
    if (!this.io) return Promise.resolve(false);
    const ticket = this.sendQuery();
    return new Promise((resolve) => this.roundTrips.push({ ticket, resolve }));
  }

  private onReady(io: Firmata, board: Board): void {
    const firmware = describeFirmware(io);
    this.log.info({ firmware }, 'firmata board ready');
    const intervals = this.device.sensors.map((s) => s.intervalMs ?? DEFAULT_SENSOR_INTERVAL_MS);
    // Firmata reports every analog input each sampling interval; half the shortest sensor
    // interval gives every sensor a fresh sample each time it reports.
    if (intervals.length > 0) board.samplingInterval(Math.max(10, Math.min(100, Math.floor(Math.min(...intervals) / 2))));
    for (const sensor of this.device.sensors) this.watchSensor(io, board, sensor);
    const unusable = this.actuators.attach(board);
    if (unusable.length > 0)
      this.log.error({ unusable }, 'the board cannot drive these actuators; their commands fail until the devices file is fixed');
    io.on('queryfirmware', () => this.onAnswer());
    io.on('reportversion', () => this.emit('restart', 'the board announced itself again (MCU reset)'));
    this.timers.push(setInterval(() => this.probe(), this.timing.probeIntervalMs));
    this.emit('ready', firmware);
  }

  private watchSensor(io: Firmata, board: Board, config: FirmataSensorConfig): void {
    const pin = sensorPin(config.pin);
    const sensor = new five.Sensor({
      pin: pin.j5Pin,
      board,
      type: pin.kind,
      freq: config.intervalMs ?? DEFAULT_SENSOR_INTERVAL_MS,
      threshold: 0,
    });
    this.sensors.push(sensor);
    // johnny-five repeats the last value when no sample came in. Firmata streams analog inputs,
    // so an analog reading needs a fresh sample (a board that stopped talking produces none);
    // digital inputs are reported only when they change, so their last value stands, but only
    // once one has arrived (before that johnny-five reports null).
    let fresh = false;
    let known = false;
    io.on(`${pin.kind}-read-${pin.channel}`, () => (fresh = known = true));
    sensor.on('data', (raw: number | null) => {
      if (this.wedged || raw === null || !known || (pin.kind === 'analog' && !fresh)) return;
      fresh = false;
      this.emit('sample', config.metric, scaleValue(raw, config.scale), Date.now());
    });
  }

  private probe(): void {
    if (this.probeDeadline) return; // the previous query is still out; its deadline decides
    this.sendQuery();
    this.probeDeadline = setTimeout(() => {
      this.probeDeadline = null;
      // Give up on every query still out, so a late answer is not taken for a newer one.
      this.answersSeen = this.queriesSent;
      for (const waiter of this.roundTrips.splice(0)) waiter.resolve(false);
      if (this.wedged) return;
      this.wedged = true;
      this.emit('wedged', `no answer to the firmware query within ${this.timing.probeTimeoutMs} ms`);
    }, this.timing.probeTimeoutMs);
  }

  private sendQuery(): number {
    this.io?.sysexCommand([QUERY_FIRMWARE]);
    return ++this.queriesSent;
  }

  private onAnswer(): void {
    this.answersSeen = Math.min(this.answersSeen + 1, this.queriesSent);
    if (this.probeDeadline) clearTimeout(this.probeDeadline);
    this.probeDeadline = null;
    this.roundTrips = this.roundTrips.filter((waiter) => {
      if (waiter.ticket > this.answersSeen) return true;
      waiter.resolve(true);
      return false;
    });
    this.wedged = false;
    this.emit('alive');
  }
}

function describeFirmware(io: Firmata): string {
  const name = io.firmware.name ?? 'Firmata';
  const version = io.firmware.version;
  return version ? `${name} ${version.major}.${version.minor}` : name;
}
