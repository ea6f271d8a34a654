// Presence: transports report connects, disconnects and last wills; the bus reports readings.
// A connected device silent for longer than `staleFactor` sample intervals becomes `stale`.
// Each change is emitted on the bus and queued for the presence log (presence-log.ts), which
// stores history in group commits. At start every known device gets back
// the last state its history holds (the stale check then judges an `online` one by its lastSeen),
// so a restart does not turn every device `unknown`.
import type { EventBus } from './events.js';
import type { DeviceRegistry } from './devices.js';
import type { PresenceChange, PresenceState } from './model.js';
import type { Store } from './store.js';
import type { HubLogger } from './logger.js';
import type { Stage } from './stage.js';
import { DEFAULT_PRESENCE_LOG, PresenceLog, type PresenceLogMetrics, type PresenceLogOptions } from './presence-log.js';

export interface PresenceOptions {
  staleFactor: number;
  /** Sample interval assumed for devices that declare none. */
  defaultIntervalMs: number;
  checkIntervalMs: number;
  /** How history is written; DEFAULT_PRESENCE_LOG when absent. */
  log?: PresenceLogOptions;
}

export class PresenceService implements Stage {
  readonly name = 'presence';
  private timer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;
  private readonly history: PresenceLog;

  constructor(
    private readonly deps: {
      devices: DeviceRegistry;
      bus: EventBus;
      store: Pick<Store, 'appendPresence' | 'presenceHistory'>;
      log: HubLogger;
      metrics?: PresenceLogMetrics;
      clock?: () => number;
    },
    private readonly options: PresenceOptions,
  ) {
    this.history = new PresenceLog(
      { store: deps.store, log: deps.log, ...(deps.metrics && { metrics: deps.metrics }) },
      options.log ?? DEFAULT_PRESENCE_LOG,
    );
  }

  async start(): Promise<void> {
    await this.restore();
    // Data revives a stale or never-seen device. It does not undo `offline`: readings written
    // just after a disconnect were sent before it, and only the transport knows of a reconnect.
    this.unsubscribe = this.deps.bus.on('readings', ({ deviceId }) => {
      const state = this.deps.devices.get(deviceId)?.presence;
      if (state === 'stale') this.set(deviceId, 'online', 'data resumed');
      else if (state === 'unknown') this.set(deviceId, 'online', 'data received');
    });
    this.timer = setInterval(() => this.checkStale(), this.options.checkIntervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.history.stop();
  }

  /** A device's newest changes, `limit` at most, including every one emitted so far (its write waited for). */
  async historyOf(deviceId: string, limit: number): Promise<PresenceChange[]> {
    await this.history.settled();
    return this.deps.store.presenceHistory(deviceId, limit);
  }

  /** Sets each device to its last stored state, quietly: nothing changed, the hub only remembers. */
  private async restore(): Promise<void> {
    for (const device of this.deps.devices.list()) {
      if (device.presence !== 'unknown') continue; // a transport already reported it
      const [last] = await this.deps.store.presenceHistory(device.id, 1);
      if (last) this.deps.devices.setPresence(device.id, last.state);
    }
  }

  online(deviceId: string, reason: string): void {
    this.deps.devices.touch(deviceId, this.now());
    this.set(deviceId, 'online', reason);
  }

  offline(deviceId: string, reason: string): void {
    this.set(deviceId, 'offline', reason);
  }

  /** A heartbeat or ping: proof of life without data. */
  heard(deviceId: string): void {
    this.deps.devices.touch(deviceId, this.now());
    const state = this.deps.devices.get(deviceId)?.presence;
    if (state !== 'online') this.set(deviceId, 'online', 'heartbeat');
  }

  checkStale(): void {
    const now = this.now();
    for (const device of this.deps.devices.list()) {
      if (device.presence !== 'online' || device.lastSeen === null) continue;
      const interval = device.sampleIntervalMs ?? this.options.defaultIntervalMs;
      const silentFor = now - device.lastSeen;
      if (silentFor > interval * this.options.staleFactor) {
        this.set(device.id, 'stale', `silent for ${Math.round(silentFor / 1000)} s`);
      }
    }
  }

  private set(deviceId: string, state: PresenceState, reason: string): void {
    const device = this.deps.devices.get(deviceId);
    if (!device || device.presence === state) return;
    const change: PresenceChange = { deviceId, state, previous: device.presence, ts: this.now(), reason };
    this.deps.devices.setPresence(deviceId, state);
    this.deps.bus.emit('presence', change);
    this.history.add(change);
  }

  private now(): number {
    return (this.deps.clock ?? Date.now)();
  }
}
