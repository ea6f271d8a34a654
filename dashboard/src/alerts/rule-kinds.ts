// The kinds of alert rule the form offers, as data: each names the fields it uses, so a new kind
// is one entry here (and its summary line) rather than new form code. The hub decides which kinds
// it accepts; one it does not know yet is refused in words like any other bad rule.
import { formatNumber } from '../format.js';
import type { RuleBody } from './alerts-api.js';
import { durationText } from './durations.js';

/** The fields a kind may use besides name, kind, scope and webhook. */
export type RuleField = 'metric' | 'op' | 'value' | 'windowMs' | 'durationMs' | 'states';

export interface RuleKindSpec {
  kind: string;
  label: string;
  /** What the kind watches, shown under the kind picker. */
  hint: string;
  fields: readonly RuleField[];
  /** Whether a metric must be named (absence rules watch any data without one). */
  metricRequired: boolean;
  /** What the value compares against, for the value field's label. */
  valueLabel?: string;
  /** The rule in one line, for the rules list. */
  summary(rule: RuleBody): string;
}

const compare = (rule: RuleBody) => `${rule.op ?? '?'} ${rule.value === undefined ? '?' : formatNumber(rule.value)}`;
const forDuration = (rule: RuleBody) => `for ${durationText(rule.durationMs)}`;
const inWindow = (rule: RuleBody) => `in ${rule.windowMs === undefined ? '?' : durationText(rule.windowMs)}`;

export const RULE_KIND_SPECS: readonly RuleKindSpec[] = [
  {
    kind: 'threshold',
    label: 'Threshold',
    hint: 'A metric above or below a value for a while (judged in reading time).',
    fields: ['metric', 'op', 'value', 'durationMs'],
    metricRequired: true,
    valueLabel: 'Value',
    summary: (r) => `${r.metric} ${compare(r)} ${forDuration(r)}`,
  },
  {
    kind: 'absence',
    label: 'Absence',
    hint: 'No data from a device, or no reading of one metric, for a while.',
    fields: ['metric', 'durationMs'],
    metricRequired: false,
    summary: (r) => `no ${r.metric ?? 'data'} ${forDuration(r)}`,
  },
  {
    kind: 'presence',
    label: 'Presence',
    hint: 'A device offline or stale for a while.',
    fields: ['states', 'durationMs'],
    metricRequired: false,
    summary: (r) => `${(r.states ?? ['offline', 'stale']).join(' or ')} ${forDuration(r)}`,
  },
  {
    kind: 'increase',
    label: 'Increase',
    hint: 'How much a counter grew over a sliding window of reading time, above or below a value (e.g. 3 kWh in 1 hour).',
    fields: ['metric', 'op', 'value', 'windowMs', 'durationMs'],
    metricRequired: true,
    valueLabel: 'Increase',
    summary: (r) => `${r.metric} increase ${compare(r)} ${inWindow(r)} ${forDuration(r)}`,
  },
  {
    kind: 'rate',
    label: 'Rate',
    hint: 'How fast a counter grew over a sliding window of reading time (its increase per second), above or below a value.',
    fields: ['metric', 'op', 'value', 'windowMs', 'durationMs'],
    metricRequired: true,
    valueLabel: 'Rate (per second)',
    summary: (r) => `${r.metric} rate ${compare(r)}/s ${inWindow(r)} ${forDuration(r)}`,
  },
];

export function kindSpec(kind: string): RuleKindSpec | undefined {
  return RULE_KIND_SPECS.find((s) => s.kind === kind);
}

/** The rule in one line; a kind this dashboard does not know shows its name. */
export function ruleSummary(rule: RuleBody): string {
  return kindSpec(rule.kind)?.summary(rule) ?? rule.kind;
}

/** "all devices with temp", "freezer-1", "3 devices". */
export function scopeText(rule: RuleBody): string {
  if (!rule.devices) return rule.metric ? `all devices with ${rule.metric}` : 'all devices';
  return rule.devices.length === 1 ? rule.devices[0] : `${rule.devices.length} devices`;
}
