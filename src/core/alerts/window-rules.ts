// Increase and rate rules: per (rule, device) a sliding window of the counter's rises
// (sliding-increase.ts), fed from `readings` events as readings become durable and judged at each
// reading's own time, so a backlog is judged as it happened. A reading older than the newest one
// judged for the pair is history and is skipped, as threshold rules do.
//
// A window starts from the store: at start for every such rule, and when a rule is made or
// replaced, one raw query per (rule, device) reads the window before the metric's newest stored
// reading (at most REFILL_LIMIT samples). The stored readings are not judged (the alerts they
// could have caused are stored already); the next reading is judged with the window full, so
// neither a restart nor a new rule hides a breach. Readings that become durable while a rule's
// windows are being read wait (at most HELD_LIMIT events) and are judged after them.
import type { Reading } from '../model.js';
import type { AlertBook } from './alert-book.js';
import { judgeBreach } from './breach.js';
import { breaches, type AlertRule } from './rules.js';
import { SlidingIncrease } from './sliding-increase.js';

/** Most samples one window's refill reads; past it the newest rises are booked at the next reading. */
export const REFILL_LIMIT = 20_000;
/** Most `readings` events one rule holds back while its windows are read. */
export const HELD_LIMIT = 10_000;

interface Held {
  /** The rule's version the window was built for: a replaced rule starts a new window. */
  updatedAt: number;
  window: SlidingIncrease;
}

export class WindowRules {
  private readonly held = new Map<string, Held>();
  /** Rules whose windows are being read, with the events that arrived meanwhile. */
  private readonly filling = new Map<string, Array<{ deviceId: string; readings: readonly Reading[] }>>();

  constructor(private readonly book: AlertBook) {}

  /**
   * Reads a rule's windows (its current version) from the store, one device after another, then
   * judges what arrived meanwhile. `load` answers a device's stored readings of the window.
   */
  async fill(rule: AlertRule, deviceIds: readonly string[], load: (deviceId: string) => Promise<readonly Reading[]>): Promise<void> {
    const key = `${rule.id}@${rule.updatedAt}`;
    const waiting: Array<{ deviceId: string; readings: readonly Reading[] }> = [];
    this.filling.set(key, waiting);
    try {
      for (const deviceId of deviceIds) {
        const window = this.window(rule, deviceId);
        for (const r of inOrder(await load(deviceId), rule.metric!)) window.add(r.ts, r.value);
      }
    } finally {
      this.filling.delete(key);
      for (const { deviceId, readings } of waiting) this.judge(rule, deviceId, readings);
    }
  }

  judge(rule: AlertRule, deviceId: string, readings: readonly Reading[]): void {
    const waiting = this.filling.get(`${rule.id}@${rule.updatedAt}`);
    if (waiting) {
      if (waiting.length < HELD_LIMIT) waiting.push({ deviceId, readings });
      return;
    }
    const window = this.window(rule, deviceId);
    for (const r of inOrder(readings, rule.metric!)) {
      if (!window.add(r.ts, r.value)) continue;
      const amount = rule.kind === 'rate' ? window.rate() : window.increase();
      const values = { [r.metric]: r.value, [rule.kind]: amount, windowMs: window.windowMs, ts: r.ts };
      judgeBreach(this.book, rule, deviceId, { breached: breaches(rule, amount), at: r.ts, values });
    }
  }

  /** Drops the windows of rules no longer kept and of a removed device. */
  prune(rules: readonly AlertRule[], removedDevice?: string): void {
    const ids = new Set(rules.map((r) => r.id));
    for (const key of this.held.keys()) {
      const [ruleId, deviceId] = key.split('\u0000');
      if (!ids.has(ruleId!) || deviceId === removedDevice) this.held.delete(key);
    }
  }

  /** Windows held now; each holds at most WINDOW_SLOTS + 1 slots. */
  get size(): number {
    return this.held.size;
  }

  private window(rule: AlertRule, deviceId: string): SlidingIncrease {
    const key = `${rule.id}\u0000${deviceId}`;
    let held = this.held.get(key);
    if (!held || held.updatedAt !== rule.updatedAt) {
      held = { updatedAt: rule.updatedAt, window: new SlidingIncrease(rule.windowMs!) };
      this.held.set(key, held);
    }
    return held.window;
  }
}

function inOrder(readings: readonly Reading[], metric: string): Reading[] {
  return readings.filter((r) => r.metric === metric).sort((a, b) => a.ts - b.ts);
}
