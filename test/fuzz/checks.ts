// Invariants shared by the targets: what an accepted reading must look like when a codec hands it
// on, and which of them ingest then refuses one by one (the same checks, in the same order, as
// `checkReading` in src/core/ingest.ts), so a target reports those as item refusals.
import assert from 'node:assert/strict';
import type { ReadingInput } from '../../src/core/ingest.js';
import { checkMetricName, checkTimestamp, checkValue } from '../../src/core/model.js';
import type { ReadingRefusalCode } from '../../src/core/refusals.js';

export const READING_REFUSALS = ['bad_metric', 'bad_value', 'bad_timestamp'] as const satisfies readonly ReadingRefusalCode[];

/** A reading as a codec hands it to ingest: a metric string, a number that is not NaN, an integer time if any. */
export function assertReadingShape(reading: ReadingInput): void {
  assert.equal(typeof reading.metric, 'string', 'metric is a string');
  assert.equal(typeof reading.value, 'number', 'value is a number');
  assert.ok(!Number.isNaN(reading.value), `value of ${reading.metric} is NaN`);
  if (reading.ts !== undefined) assert.ok(Number.isInteger(reading.ts), `ts of ${reading.metric} is an integer`);
}

/** The code ingest refuses each reading with, for those it refuses; the others are kept. */
export function readingRefusals(readings: readonly ReadingInput[], now = Date.now()): ReadingRefusalCode[] {
  const codes: ReadingRefusalCode[] = [];
  for (const reading of readings) {
    assertReadingShape(reading);
    if (checkMetricName(reading.metric)) codes.push('bad_metric');
    else if (checkValue(reading.value)) codes.push('bad_value');
    else if (checkTimestamp(reading.ts ?? now, now)) codes.push('bad_timestamp');
  }
  return codes;
}
