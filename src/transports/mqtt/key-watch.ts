// Closes the MQTT sessions of a device whose key was replaced or removed by another process (the
// CLI works on the store while the hub runs). The admin API closes them itself at once; a login
// re-reads the stored key, so an old key cannot log in again; this closes what is already open.
// Every `everyMs` it reads the key record of each connected device (connected ones only: one
// store read per connected device and pass) and compares it with the one the device logged in with.
import type { DeviceCredentials } from '../../core/credentials.js';
import type { HubLogger } from '../../core/logger.js';

export interface KeyWatchDeps {
  credentials: Pick<DeviceCredentials, 'keyChange'>;
  /** The devices with open connections now. */
  connected: () => string[];
  disconnect: (deviceId: string, reason: string) => number;
  log: HubLogger;
}

export class KeyWatch {
  private timer: NodeJS.Timeout | null = null;
  private checking = false;

  constructor(
    private readonly deps: KeyWatchDeps,
    private readonly everyMs: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.check(), this.everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One pass over the connected devices; a pass still running when the next is due is not doubled. */
  async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      for (const deviceId of this.deps.connected()) {
        const change = await this.deps.credentials.keyChange(deviceId);
        if (change === null) continue;
        const reason = change === 'removed' ? 'device key removed' : 'device key replaced';
        this.deps.disconnect(deviceId, reason);
      }
    } catch (err) {
      // The store is down: sessions stay until it answers and the next pass can tell.
      this.deps.log.warn({ err }, 'device keys could not be re-read; connections kept');
    } finally {
      this.checking = false;
    }
  }
}
