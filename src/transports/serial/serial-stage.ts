// The serial stage: reads the devices file and runs one session per configured device, made by
// the device's transport (transports.ts). Sessions are independent: each owns its port,
// reconnects on its own and fails on its own, so one broken device never keeps the others from
// starting. An invalid devices file stops the hub at start with the offending field named; a
// missing one just means there are no serial devices.
import { join } from 'node:path';
import { ConfigError } from '../../config/settings.js';
import type { Stage } from '../../core/stage.js';
import type { TransportContext } from '../context.js';
import { loadDevicesFile } from './config.js';
import type { SerialSession } from './descriptor.js';
import { serialTransport, type SerialDeviceConfig } from './transports.js';

export interface SerialStageOptions {
  /** Path of the devices file; empty means `<dataDir>/devices.yml`. */
  devicesFile: string;
  dataDir: string;
  reconnectMaxMs: number;
}

export class SerialStage implements Stage {
  readonly name = 'serial';
  private sessions: SerialSession[] = [];

  constructor(
    private readonly ctx: TransportContext,
    private readonly options: SerialStageOptions,
  ) {}

  get devicesFilePath(): string {
    return this.options.devicesFile || join(this.options.dataDir, 'devices.yml');
  }

  async start(): Promise<void> {
    const path = this.devicesFilePath;
    let devices: SerialDeviceConfig[];
    try {
      devices = loadDevicesFile(path);
    } catch (err) {
      if (err instanceof ConfigError) throw new ConfigError(`${path}: ${err.setting}`, err.message.slice(err.setting.length + 2));
      throw err;
    }
    if (devices.length === 0) {
      this.ctx.log.info({ devicesFile: path }, 'no serial devices configured');
      return;
    }
    for (const [i, device] of devices.entries()) await this.startSession(device, i);
    this.ctx.log.info({ devicesFile: path, devices: devices.length, running: this.sessions.length }, 'serial devices started');
  }

  async stop(): Promise<void> {
    const sessions = this.sessions.reverse();
    this.sessions = [];
    for (const session of sessions) {
      try {
        await session.stop();
      } catch (err) {
        this.ctx.log.error({ err }, 'serial session failed to stop cleanly');
      }
    }
  }

  private async startSession(device: SerialDeviceConfig, index: number): Promise<void> {
    const where = { device: device.id ?? `devices[${index}]`, transport: device.transport, port: device.port ?? device.match };
    const { reconnectMaxMs } = this.options;
    try {
      const session = serialTransport(device.transport).createSession(this.ctx, device, {
        minBackoffMs: Math.min(250, reconnectMaxMs),
        maxBackoffMs: reconnectMaxMs,
      });
      await session.start();
      this.sessions.push(session);
    } catch (err) {
      this.ctx.log.error({ ...where, err }, 'serial session failed to start; the other devices carry on');
    }
  }
}
