// Judges the rules. Threshold, increase and rate rules judge readings as they become durable, at
// the readings' own times: a backlog sent late is judged as it happened, and a rule's duration is
// measured in reading time. Absence and presence rules need the clock: one interval checks them
// all. Silence is measured from a device's last durable reading (seeded from the store at start),
// or from the hub's start for a device that never sent one.
import type { EventBus } from '../events.js';
import type { Device, PresenceChange, Reading } from '../model.js';
import type { AlertBook } from './alert-book.js';
import { judgeBreach } from './breach.js';
import { breaches, hasMetric, isWindowKind, WATCHED_PRESENCE, type AlertRule } from './rules.js';
import { WindowRules } from './window-rules.js';

export interface EvaluatorDeps {
  bus: EventBus;
  devices: { get(id: string): Device | undefined; list(): Device[] };
  rules: { list(): AlertRule[] };
  book: AlertBook;
  clock?: () => number;
}

export class AlertEvaluator {
  private timer: NodeJS.Timeout | null = null;
  private unsubscribe: Array<() => void> = [];
  /** Hub time data last came from a device. */
  private readonly heard = new Map<string, number>();
  /** Per device, the hub time data last came for each metric (no key string built per reading). */
  private readonly heardMetric = new Map<string, Map<string, number>>();
  /** Newest reading time judged per rule and device: an older reading arriving later is history. */
  private readonly judgedUpTo = new Map<string, number>();
  private startedAt = 0;
  readonly windows: WindowRules;

  constructor(
    private readonly deps: EvaluatorDeps,
    private readonly options: { checkIntervalMs: number },
  ) {
    this.windows = new WindowRules(deps.book);
  }

  /**
   * The newest stored readings, before start: silence is measured from them (at reading time,
   * never later than now), so a device that went quiet before a restart is not given a fresh start.
   */
  seed(latest: readonly Reading[]): void {
    const now = this.now();
    for (const r of latest) {
      const at = Math.min(r.ts, now);
      if (at > (this.heard.get(r.deviceId) ?? Number.NEGATIVE_INFINITY)) this.heard.set(r.deviceId, at);
      this.metricsHeard(r.deviceId).set(r.metric, at);
    }
  }

  start(): void {
    // A device never heard from is silent since this start: it could not speak to a stopped hub.
    this.startedAt = this.now();
    this.unsubscribe = [
      this.deps.bus.on('readings', ({ deviceId, readings }) => this.onReadings(deviceId, readings)),
      this.deps.bus.on('presence', (change) => this.onPresence(change)),
    ];
    this.timer = setInterval(() => this.check(), this.options.checkIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    for (const off of this.unsubscribe) off();
    this.unsubscribe = [];
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private onReadings(deviceId: string, readings: Reading[]): void {
    const now = this.now();
    this.heard.set(deviceId, now);
    const metrics = this.metricsHeard(deviceId);
    for (const r of readings) metrics.set(r.metric, now);
    const device = this.deps.devices.get(deviceId);
    for (const rule of this.deps.rules.list()) {
      if (!device || !inScope(rule, device)) continue;
      if (rule.kind === 'threshold') this.judgeThreshold(rule, deviceId, readings);
      if (isWindowKind(rule.kind)) this.windows.judge(rule, deviceId, readings);
      if (rule.kind === 'absence' && (rule.metric === undefined || readings.some((r) => r.metric === rule.metric))) {
        const alert = this.deps.book.activeFor(rule.id, deviceId);
        if (alert) this.deps.book.move(alert, 'resolved', now, { reason: 'data resumed' });
      }
    }
  }

  private judgeThreshold(rule: AlertRule, deviceId: string, readings: Reading[]): void {
    const mine = readings.filter((r) => r.metric === rule.metric).sort((a, b) => a.ts - b.ts);
    const judged = `${rule.id}\u0000${deviceId}`;
    for (const reading of mine) {
      if (reading.ts < (this.judgedUpTo.get(judged) ?? Number.NEGATIVE_INFINITY)) continue;
      this.judgedUpTo.set(judged, reading.ts);
      const values = { [reading.metric]: reading.value, ts: reading.ts };
      judgeBreach(this.deps.book, rule, deviceId, { breached: breaches(rule, reading.value), at: reading.ts, values });
    }
  }

  private onPresence(change: PresenceChange): void {
    const device = this.deps.devices.get(change.deviceId);
    if (!device) return;
    for (const rule of this.deps.rules.list()) {
      if (rule.kind !== 'presence' || !inScope(rule, device)) continue;
      const alert = this.deps.book.activeFor(rule.id, device.id);
      const watched = watchedStates(rule).includes(change.state);
      if (watched && !alert) this.deps.book.open(rule, device.id, change.ts, { presence: change.state });
      else if (!watched && alert) this.deps.book.move(alert, 'resolved', change.ts, { presence: change.state });
    }
  }

  /** The clock's part: silence for absence rules, duration for presence rules. */
  check(): void {
    const now = this.now();
    for (const rule of this.deps.rules.list()) {
      if (rule.kind !== 'absence' && rule.kind !== 'presence') continue;
      for (const device of this.deps.devices.list()) {
        if (!inScope(rule, device)) continue;
        if (rule.kind === 'absence') this.checkAbsence(rule, device, now);
        else this.checkPresence(rule, device, now);
      }
    }
  }

  private metricsHeard(deviceId: string): Map<string, number> {
    let metrics = this.heardMetric.get(deviceId);
    if (!metrics) this.heardMetric.set(deviceId, (metrics = new Map()));
    return metrics;
  }

  private checkAbsence(rule: AlertRule, device: Device, now: number): void {
    if (this.deps.book.activeFor(rule.id, device.id)) return;
    const last = rule.metric === undefined ? this.heard.get(device.id) : this.heardMetric.get(device.id)?.get(rule.metric);
    const since = last ?? this.startedAt;
    if (now - since < rule.durationMs) return;
    const values = { silentMs: now - since, ...(rule.metric !== undefined && { metric: rule.metric }) };
    this.deps.book.move(this.deps.book.open(rule, device.id, since, values), 'firing', now, values);
  }

  private checkPresence(rule: AlertRule, device: Device, now: number): void {
    const alert = this.deps.book.activeFor(rule.id, device.id);
    if (!alert) {
      // a device already away when the rule was made or the hub started
      if (watchedStates(rule).includes(device.presence)) this.deps.book.open(rule, device.id, now, { presence: device.presence });
      return;
    }
    if (alert.state === 'pending' && now - alert.since >= rule.durationMs) {
      this.deps.book.move(alert, 'firing', now, { presence: device.presence, forMs: now - alert.since });
    }
  }

  private now(): number {
    return (this.deps.clock ?? Date.now)();
  }
}

function inScope(rule: AlertRule, device: Device): boolean {
  if (rule.devices) return rule.devices.includes(device.id);
  return rule.metric === undefined || hasMetric(device, rule.metric);
}

function watchedStates(rule: AlertRule): string[] {
  return rule.states ?? [...WATCHED_PRESENCE];
}
