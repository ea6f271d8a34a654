// A serial port that keeps itself open. USB serial adapters vanish when unplugged, reappear under
// another path after a replug, and sometimes refuse to open for a moment; this wrapper resolves
// the path (or the USB ids) again and reopens with exponential backoff until stop().
// Every port has its own SerialPort, its own timers and its own callbacks, so a wedged, absent or
// noisy port never blocks another. start() never throws; failures are logged and retried.
import { EventEmitter } from 'node:events';
import { stat } from 'node:fs/promises';
import { SerialPort } from 'serialport';
import type { HubLogger } from '../../core/logger.js';
import type { Parity, SerialDeviceCommon, UsbMatch } from './device-config.js';
import { listSysfsSerialPorts } from './port-list.js';

export interface PortInfo {
  path: string;
  manufacturer?: string;
  vendorId?: string;
  productId?: string;
  serialNumber?: string;
}

export interface ReconnectingPortOptions {
  path?: string;
  match?: UsbMatch;
  baudRate: number;
  dataBits?: 5 | 6 | 7 | 8;
  parity?: Parity;
  stopBits?: 1 | 1.5 | 2;
  log: HubLogger;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** An open that takes longer than this counts as failed (a wedged driver can hang in open). */
  openTimeoutMs?: number;
  /** How often an open port's device path is checked for having vanished (default 500 ms). */
  vanishCheckMs?: number;
  /** Lists ports for `match`; listSerialPorts() unless a test passes its own. */
  listPorts?: () => Promise<PortInfo[]>;
}

/** The port options a device entry of the devices file gives, whatever its transport. */
export function portOptions(
  device: SerialDeviceCommon,
  log: HubLogger,
  backoff: { minBackoffMs?: number; maxBackoffMs?: number } = {},
): ReconnectingPortOptions {
  const { port: path, match, baudRate, dataBits, parity, stopBits } = device;
  return { path, match, baudRate, dataBits, parity, stopBits, log, minBackoffMs: backoff.minBackoffMs, maxBackoffMs: backoff.maxBackoffMs };
}

export interface ReconnectingPortEvents {
  open: [path: string];
  close: [reason: string];
  data: [chunk: Buffer];
}

export class ReconnectingPort extends EventEmitter<ReconnectingPortEvents> {
  private port: SerialPort | null = null;
  private stopped = true;
  private retryTimer: NodeJS.Timeout | null = null;
  private backoffMs: number;
  /** Counts open attempts so a stale attempt that finishes after stop() or a newer one is discarded. */
  private generation = 0;
  /** Failed attempts since the port was last open; only the first is a warning, the rest debug. */
  private failures = 0;
  private vanishTimer: NodeJS.Timeout | null = null;

  constructor(private readonly options: ReconnectingPortOptions) {
    super();
    this.backoffMs = options.minBackoffMs ?? 250;
  }

  get isOpen(): boolean {
    return this.port?.isOpen ?? false;
  }

  /** What the port is configured to open, for logs. */
  get description(): string {
    return this.options.path ?? `usb ${JSON.stringify(this.options.match)}`;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.generation += 1;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.stopVanishCheck();
    const port = this.port;
    this.port = null;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  write(data: Buffer | string): Promise<void> {
    const port = this.port;
    if (!port?.isOpen) return Promise.reject(new Error(`serial port ${this.description} is not open`));
    return new Promise((resolve, reject) => {
      port.write(data, (err) => {
        if (err) reject(err);
        else port.drain((drainErr) => (drainErr ? reject(drainErr) : resolve()));
      });
    });
  }

  private async connect(): Promise<void> {
    const generation = ++this.generation;
    let port: SerialPort | null = null;
    try {
      const path = await this.resolvePath();
      port = new SerialPort({
        path,
        baudRate: this.options.baudRate,
        dataBits: this.options.dataBits ?? 8,
        parity: this.options.parity ?? 'none',
        stopBits: this.options.stopBits ?? 1,
        autoOpen: false,
      });
      // Without a listener an 'error' event would crash the process; errors surface as close/retry.
      port.on('error', (err) => this.options.log.warn({ err, port: path }, 'serial port error'));
      await this.open(port);
      if (generation !== this.generation || this.stopped) {
        port.close(() => {});
        return;
      }
      this.adopt(port, path);
    } catch (err) {
      if (generation !== this.generation || this.stopped) return;
      if (port?.isOpen) port.close(() => {});
      this.scheduleReconnect(`open failed: ${(err as Error).message}`);
    }
  }

  private adopt(port: SerialPort, path: string): void {
    this.port = port;
    this.backoffMs = this.options.minBackoffMs ?? 250;
    this.failures = 0;
    port.on('data', (chunk: Buffer) => this.emit('data', chunk));
    let vanished = false;
    this.startVanishCheck(path, () => {
      vanished = true;
      port.close(() => {});
    });
    port.once('close', (err?: Error | null) => {
      this.stopVanishCheck();
      if (this.port !== port) return; // closed by stop()
      this.port = null;
      const reason = vanished ? `device ${path} vanished` : err ? `port closed: ${err.message}` : 'port closed';
      this.emit('close', reason);
      this.scheduleReconnect(reason);
    });
    this.options.log.info({ port: path, baudRate: this.options.baudRate }, 'serial port open');
    this.emit('open', path);
  }

  /**
   * A replugged USB adapter's device node disappears. Reads usually fail then, but a hung-up tty
   * can also answer every read with 0 bytes, which serialport retries forever without reporting
   * a disconnect; checking that the path still exists catches that case too.
   */
  private startVanishCheck(path: string, onVanished: () => void): void {
    this.stopVanishCheck();
    const timer = setInterval(() => {
      stat(path).catch((err: NodeJS.ErrnoException) => {
        if (this.vanishTimer !== timer || (err.code !== 'ENOENT' && err.code !== 'ENODEV' && err.code !== 'ENXIO')) return;
        this.stopVanishCheck();
        onVanished();
      });
    }, this.options.vanishCheckMs ?? 500);
    timer.unref();
    this.vanishTimer = timer;
  }

  private stopVanishCheck(): void {
    if (this.vanishTimer) clearInterval(this.vanishTimer);
    this.vanishTimer = null;
  }

  private open(port: SerialPort): Promise<void> {
    const timeoutMs = this.options.openTimeoutMs ?? 5_000;
    return new Promise((resolve, reject) => {
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        reject(new Error(`no answer from the driver within ${timeoutMs} ms`));
      }, timeoutMs);
      port.open((err) => {
        clearTimeout(timer);
        if (!timedOut) return err ? reject(err) : resolve();
        // The attempt was given up, but the driver opened the port after all. Left open, it would
        // hold the port's lock and every later attempt would fail with "Cannot lock port".
        if (!err) {
          this.options.log.debug({ port: port.path }, 'serial port opened after its timeout; closed again');
          port.close(() => {});
        }
      });
    });
  }

  private async resolvePath(): Promise<string> {
    if (this.options.path) return this.options.path;
    const match = this.options.match ?? {};
    const ports = await (this.options.listPorts ?? listSerialPorts)();
    const found = ports.find((p) => matchesUsb(p, match));
    if (!found) throw new Error(`no serial port matches ${JSON.stringify(match)}`);
    return found.path;
  }

  private scheduleReconnect(reason: string): void {
    if (this.stopped || this.retryTimer) return;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.options.maxBackoffMs ?? 5_000);
    this.failures += 1;
    // An unplugged device would otherwise log a warning every few seconds for as long as it is away.
    const logAt = this.failures === 1 ? 'warn' : 'debug';
    this.options.log[logAt](
      { port: this.description, reason, retryInMs: delay, attempt: this.failures },
      'serial port unavailable; will retry',
    );
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.connect();
    }, delay);
  }
}

export function matchesUsb(port: PortInfo, match: UsbMatch): boolean {
  const same = (a: string | undefined, b: string | undefined) => b === undefined || (a ?? '').toLowerCase() === b.toLowerCase();
  return same(port.vendorId, match.vendorId) && same(port.productId, match.productId) && same(port.serialNumber, match.serialNumber);
}

/**
 * On Linux from sysfs (port-list.ts): serialport's list would need udevadm, which minimal
 * installs and the slim image lack. Elsewhere serialport's own list, which needs no helper.
 */
export async function listSerialPorts(): Promise<PortInfo[]> {
  if (process.platform === 'linux') return listSysfsSerialPorts();
  const ports = await SerialPort.list();
  return ports.map((p) => ({
    path: p.path,
    manufacturer: p.manufacturer,
    vendorId: p.vendorId,
    productId: p.productId,
    serialNumber: p.serialNumber,
  }));
}
