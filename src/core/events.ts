// The typed event bus stages talk through. Emitting never throws: a failing listener is
// reported through the bus's error hook and the other listeners still run.
import type { Command, Device, PresenceChange, Reading } from './model.js';
import type { Refusal } from './refusals.js';
import type { Alert, AlertState } from './alerts/alert.js';
import type { AlertRule } from './alerts/rules.js';

export interface HubEvents {
  /** Readings of one device message, emitted once they are durable. */
  readings: { deviceId: string; readings: Reading[] };
  presence: PresenceChange;
  command: Command;
  /** A device was registered or its description changed. */
  device: Device;
  /** An admin removed the device: its key is revoked and the registry no longer knows it (with purge, its history is gone too). */
  deviceRemoved: { id: string };
  /** A reading or a whole message was refused (counted and logged where refused); live clients see it per device. */
  refusal: { deviceId: string | null; source: string; topic?: string } & Refusal;
  /** A device declared it no longer holds seqs from..to (inclusive): they were never stored. */
  streamLoss: { deviceId: string; source: string; from: number; to: number; count: number };
  /** An alert changed state (or was acknowledged), emitted once the change is stored. `rule` is null once the rule is gone. */
  alert: { alert: Alert; rule: AlertRule | null; transition: AlertState | 'acknowledged'; previous: AlertState | null };
  /** An alert rule was made, replaced or removed (once stored). */
  alertRule: { rule: AlertRule; removed: boolean };
}

export type HubEventName = keyof HubEvents;
type Listener<K extends HubEventName> = (payload: HubEvents[K]) => void;

export class EventBus {
  // Each set holds listeners of its own event only; on() and emit() keep the key and payload types together.
  // biome-ignore lint/suspicious/noExplicitAny: one map for every event type
  private readonly listeners = new Map<HubEventName, Set<Listener<any>>>();

  constructor(private readonly onListenerError: (event: string, err: unknown) => void = () => {}) {}

  on<K extends HubEventName>(event: K, listener: Listener<K>): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => set!.delete(listener);
  }

  emit<K extends HubEventName>(event: K, payload: HubEvents[K]): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        listener(payload);
      } catch (err) {
        this.onListenerError(event, err);
      }
    }
  }

  listenerCount(event: HubEventName): number {
    return this.listeners.get(event)?.size ?? 0;
  }
}
