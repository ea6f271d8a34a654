// What a Shelly session remembers of its device, across reconnects and bounded: the last full
// status of each Gen2 component (a NotifyStatus carries only what changed and is laid over it),
// the metrics whose units the hub has been told, and the actuators seen so far.
import type { ActuatorSpec, MetricSpec } from '../../../../core/model.js';
import type { DeviceMeta } from '../dialect.js';
import type { Measurement } from './status.js';

/** A Shelly has a handful of components; more is a misbehaving device, whose extra ones are not kept. */
const MAX_COMPONENTS = 64;
const MAX_METRICS = 1000;
const MAX_ACTUATORS = 100;

export class ShellyMemory {
  private readonly components = new Map<string, Record<string, unknown>>();
  private readonly described = new Set<string>();
  private readonly actuators = new Map<string, ActuatorSpec>();

  /** A full status (status/<component:id>, NotifyFullStatus) replaces what was kept. */
  replace(component: string, status: Record<string, unknown>): void {
    if (this.components.has(component) || this.components.size < MAX_COMPONENTS) this.components.set(component, structuredClone(status));
  }

  /** A NotifyStatus lays its changes over the kept status; returns the status as it now stands. */
  overlay(component: string, changes: Record<string, unknown>): Record<string, unknown> {
    const merged = merge(this.components.get(component) ?? {}, changes);
    this.replace(component, merged);
    return merged;
  }

  /**
   * What the hub has not been told yet: units of metrics not described before, and the whole
   * actuator list when one is new (a meta's actuators replace the device's list). Null when nothing is new.
   */
  describe(measurements: Measurement[], actuators: string[]): DeviceMeta | null {
    const metrics: MetricSpec[] = [];
    for (const { metric, unit } of measurements) {
      if (unit === undefined || this.described.has(metric) || this.described.size >= MAX_METRICS) continue;
      this.described.add(metric);
      metrics.push({ name: metric, unit });
    }
    let newActuator = false;
    for (const name of actuators) {
      if (this.actuators.has(name) || this.actuators.size >= MAX_ACTUATORS) continue;
      this.actuators.set(name, { name, type: 'relay' });
      newActuator = true;
    }
    if (metrics.length === 0 && !newActuator) return null;
    return {
      ...(metrics.length > 0 && { metrics }),
      ...(newActuator && { actuators: [...this.actuators.values()] }),
    };
  }
}

/** `changes` laid over `base`, nested objects merged field by field, anything else replaced. */
function merge(base: Record<string, unknown>, changes: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(changes)) {
    const before = out[key];
    out[key] = isRecord(before) && isRecord(value) ? merge(before, value) : value;
  }
  return out;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
