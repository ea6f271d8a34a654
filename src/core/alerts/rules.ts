// Alert rules: what they say, and the checks a rule passes before the hub keeps it. A rule is
// judged against the devices the hub knows now: its metric must belong to a device in its scope,
// and its scope may not reach more devices than the hub is configured to watch per rule.
// Increase and rate rules judge how much a counter grew over a sliding window of reading time
// (window-rules.ts); their window is bounded so the samples they keep are.
import type { Device, PresenceState } from '../model.js';

export const RULE_KINDS = ['threshold', 'absence', 'presence', 'increase', 'rate'] as const;
export type RuleKind = (typeof RULE_KINDS)[number];
/** Kinds that judge a counter over a sliding window: its increase, or that per second. */
export const WINDOW_KINDS = ['increase', 'rate'] as const;
export type WindowKind = (typeof WINDOW_KINDS)[number];
/** Longest window an increase or rate rule may have: a week. */
export const MAX_WINDOW_MS = 7 * 24 * 3_600_000;
export const THRESHOLD_OPS = ['above', 'below'] as const;
export type ThresholdOp = (typeof THRESHOLD_OPS)[number];
/** Presence states a presence rule may watch for. */
export const WATCHED_PRESENCE = ['offline', 'stale'] as const satisfies readonly PresenceState[];

export interface Webhook {
  url: string;
  secret?: string;
}

/** What a client sends to make or replace a rule. */
export interface RuleInput {
  name: string;
  kind: RuleKind;
  /** threshold, increase, rate: the metric judged; absence: the metric that must keep coming (absent: any data). */
  metric?: string;
  /** threshold, increase and rate: the comparison and the value compared with. */
  op?: ThresholdOp;
  value?: number;
  /** increase and rate only: the sliding window's length, in reading time. */
  windowMs?: number;
  durationMs: number;
  /** One device or a list; absent: every device that has the metric (or every device, for presence). */
  devices?: string[];
  /** presence only: the states that count (default offline and stale). */
  states?: Array<(typeof WATCHED_PRESENCE)[number]>;
  webhook?: Webhook;
}

export interface AlertRule extends RuleInput {
  id: string;
  createdAt: number;
  updatedAt: number;
}

export type RuleErrorCode = 'unknown_metric' | 'unknown_device' | 'bad_duration' | 'bad_window' | 'scope_too_large' | 'bad_rule';

export class RuleError extends Error {
  constructor(
    readonly code: RuleErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'RuleError';
  }
}

/** The devices a rule watches among `devices`, now. */
export function devicesInScope(rule: RuleInput, devices: readonly Device[]): Device[] {
  if (rule.devices) {
    const wanted = new Set(rule.devices);
    return devices.filter((d) => wanted.has(d.id));
  }
  if (rule.metric === undefined) return [...devices];
  return devices.filter((d) => hasMetric(d, rule.metric!));
}

export function hasMetric(device: Device, metric: string): boolean {
  return device.metrics.some((m) => m.name === metric);
}

/** Refuses a rule that cannot work as written; returns it unchanged otherwise. */
export function checkRule(rule: RuleInput, devices: readonly Device[], maxDevices: number): RuleInput {
  if (!Number.isFinite(rule.durationMs) || rule.durationMs <= 0) {
    throw new RuleError('bad_duration', `durationMs must be a positive number of milliseconds, not ${rule.durationMs}`);
  }
  const compares = rule.kind === 'threshold' || isWindowKind(rule.kind);
  if (compares) {
    if (rule.metric === undefined) throw new RuleError('bad_rule', `a ${rule.kind} rule needs a metric`);
    if (rule.op === undefined || rule.value === undefined)
      throw new RuleError('bad_rule', `a ${rule.kind} rule needs op (above or below) and value`);
  } else if (rule.op !== undefined || rule.value !== undefined) {
    throw new RuleError('bad_rule', `op and value belong to threshold, increase and rate rules, not ${rule.kind} rules`);
  }
  checkWindow(rule);
  if (rule.kind !== 'presence' && rule.states) throw new RuleError('bad_rule', 'states belong to presence rules');
  if (rule.kind === 'presence' && rule.metric !== undefined)
    throw new RuleError('bad_rule', 'a presence rule watches devices, not a metric');
  const known = new Set(devices.map((d) => d.id));
  const missing = (rule.devices ?? []).filter((id) => !known.has(id));
  if (missing.length > 0) throw new RuleError('unknown_device', `unknown device ${missing.map((id) => `"${id}"`).join(', ')}`);
  const scope = devicesInScope(rule, devices);
  if (rule.metric !== undefined && !scope.some((d) => hasMetric(d, rule.metric!))) {
    throw new RuleError('unknown_metric', `no device in the rule's scope has the metric "${rule.metric}"`);
  }
  if (scope.length > maxDevices) {
    throw new RuleError(
      'scope_too_large',
      `the rule's scope matches ${scope.length} devices, more than the ${maxDevices} one rule may watch (HUB_ALERT_MAX_DEVICES); name the devices`,
    );
  }
  return rule;
}

function checkWindow(rule: RuleInput): void {
  if (!isWindowKind(rule.kind)) {
    if (rule.windowMs !== undefined) throw new RuleError('bad_rule', `windowMs belongs to increase and rate rules, not ${rule.kind} rules`);
    return;
  }
  if (rule.windowMs === undefined)
    throw new RuleError('bad_window', `a ${rule.kind} rule needs windowMs, the window's length in milliseconds`);
  if (!Number.isFinite(rule.windowMs) || rule.windowMs <= 0 || rule.windowMs > MAX_WINDOW_MS) {
    throw new RuleError(
      'bad_window',
      `windowMs must be a positive number of milliseconds up to ${MAX_WINDOW_MS} (a week), not ${rule.windowMs}`,
    );
  }
}

export function isWindowKind(kind: RuleKind): kind is WindowKind {
  return kind === 'increase' || kind === 'rate';
}

/** Whether a threshold, increase or rate rule's condition holds for a value. */
export function breaches(rule: RuleInput, value: number): boolean {
  return rule.op === 'above' ? value > rule.value! : value < rule.value!;
}
