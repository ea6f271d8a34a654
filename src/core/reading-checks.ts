// The checks every reading passes on its way into ingest (ingest.ts): its metric name, value and
// time, and the device's limit on metric names. Readings without a time are stamped with the
// receive time here. What passes comes out as the write queue keeps it (pending.ts): names, and
// times and values as unboxed numbers.
import type { DeviceRegistry } from './devices.js';
import type { IngestMessage, ReadingInput } from './ingest.js';
import { checkMetricName, checkTimestamp, checkValue } from './model.js';
import type { PendingEntry } from './pending.js';
import type { ReadingRefusalCode, Refusal } from './refusals.js';

/** Distinct valid metric names remembered before the set starts over. */
const MAX_REMEMBERED_NAMES = 10_000;

export type CheckedReadings = Pick<PendingEntry, 'metrics' | 'numbers'> & {
  /** Readings refused alone; the rest of the message is kept. */
  refused: Array<{ metric: string } & Refusal<ReadingRefusalCode>>;
};

export class ReadingChecks {
  /** The last receive time stamped on an untimed reading, per device. */
  private readonly lastStamp = new Map<string, number>();
  /** Metric names that passed checkMetricName (checkReading). */
  private readonly validNames = new Set<string>();

  constructor(private readonly devices: DeviceRegistry) {}

  /**
   * Checks each reading; stamps those without a time with the receive time, strictly after the
   * last time stamped for the device, so untimed readings never collapse into one.
   */
  check(msg: IngestMessage, now: number): CheckedReadings {
    let metrics: string[] = [];
    let numbers: number[] = [];
    const refused: CheckedReadings['refused'] = [];
    // Only messages with untimed readings need it: most carry times, and this runs per message.
    let stamps: Map<number, number> | null = null;
    let last = this.lastStamp.get(msg.deviceId) ?? -Infinity;
    for (let i = 0; i < msg.readings.length; i++) {
      const input = msg.readings[i]!;
      let ts = input.ts;
      if (ts === undefined) {
        // The readings of one sample share a time; each further sample gets a later one.
        const group = input.group ?? 0;
        stamps ??= new Map();
        ts = stamps.get(group);
        if (ts === undefined) stamps.set(group, (ts = last = Math.max(now, last + 1)));
      }
      const refusal = this.checkReading(input, ts, now);
      if (refusal) refused.push({ metric: String(input.metric), ...refusal });
      else {
        metrics.push(input.metric);
        numbers.push(ts, input.value);
      }
    }
    if (stamps) this.lastStamp.set(msg.deviceId, last);
    // Only names that passed their checks take a place among the device's metrics.
    const overLimit = this.devices.admitReadings(msg.deviceId, metrics);
    if (overLimit.size > 0) {
      const detail = `too many metrics: the device has ${this.devices.maxMetrics}, the most one device may have (HUB_MAX_METRICS_PER_DEVICE)`;
      const kept: string[] = [];
      const keptNumbers: number[] = [];
      for (let i = 0; i < metrics.length; i++) {
        if (overLimit.has(metrics[i]!)) refused.push({ metric: metrics[i]!, code: 'too_many_metrics', detail });
        else {
          kept.push(metrics[i]!);
          keptNumbers.push(numbers[2 * i]!, numbers[2 * i + 1]!);
        }
      }
      metrics = kept;
      numbers = keptNumbers;
    }
    return { metrics, numbers, refused };
  }

  /**
   * A reading's checks. Metric names repeat in every message of a device, so the ones that passed
   * are remembered (a bounded set) and not matched against the pattern again.
   */
  private checkReading(input: ReadingInput, ts: number, now: number): Refusal<ReadingRefusalCode> | null {
    if (!this.validNames.has(input.metric)) {
      const metric = checkMetricName(input.metric);
      if (metric) return { code: 'bad_metric', detail: metric };
      if (this.validNames.size >= MAX_REMEMBERED_NAMES) this.validNames.clear();
      this.validNames.add(input.metric);
    }
    const value = checkValue(input.value);
    if (value) return { code: 'bad_value', detail: value };
    const time = checkTimestamp(ts, now);
    return time ? { code: 'bad_timestamp', detail: time } : null;
  }
}
