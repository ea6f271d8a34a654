// What every simulated device sees of the world: the simulated clock and step, its share of the
// seeded randomness, the hub's current MQTT endpoint, and whether faults are still being drawn;
// and what a schedule reports: counts of every fault injected and of what the hub answered, and
// a step trace that is only kept when it will be printed (a single seed replayed with SIM_SEED).
import type { Prng } from './prng.js';
import type { SimMqttHub } from './sim-hub-mqtt.js';

export const T0 = Date.UTC(2025, 0, 1);
export const STEP_MS = 100;

export interface World {
  step: number;
  faulting: boolean;
  readonly rng: Prng;
  readonly counts: Counts;
  readonly trace: Trace;
  clock(): number;
  mqtt(): SimMqttHub;
}

export interface Actor {
  readonly deviceId: string;
  /** One loop of the device: reconnects, incoming messages, a sample now and then, sending. */
  tick(): void;
  /** Power loss; `saved`: what the device keeps on flash survives. */
  reboot(saved: boolean): void;
  /** Messages the device still holds unacked. */
  backlog(): number;
}

export class Counts {
  readonly faults: Record<string, number> = {};
  readonly observed: Record<string, number> = {};

  fault(name: string, n = 1): void {
    this.faults[name] = (this.faults[name] ?? 0) + n;
  }

  saw(name: string, n = 1): void {
    this.observed[name] = (this.observed[name] ?? 0) + n;
  }

  addTo(total: { faults: Record<string, number>; observed: Record<string, number> }): void {
    for (const [k, v] of Object.entries(this.faults)) total.faults[k] = (total.faults[k] ?? 0) + v;
    for (const [k, v] of Object.entries(this.observed)) total.observed[k] = (total.observed[k] ?? 0) + v;
  }
}

export class Trace {
  readonly lines: string[] = [];
  step = 0;

  constructor(readonly enabled: boolean) {}

  add(line: string | (() => string)): void {
    if (!this.enabled) return;
    this.lines.push(`[${String(this.step).padStart(4)}] ${typeof line === 'string' ? line : line()}`);
  }
}
