// The acked-stream promise checked against what the hub left on disk: after the hub has exited,
// its SQLite store is opened directly and every device's values are compared with the ledger
// the device kept. Values are unique per reading, so a value stored twice is a reading stored
// twice and a value no device sent was invented (or taken from a connection that must have
// been refused).
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import type { Ledger } from './real-devices.js';

/** Every stored value of metric v for the device, following the store's pages. */
async function storedValues(store: SqliteStore, deviceId: string): Promise<number[]> {
  const values: number[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.queryRaw({
      deviceId,
      metric: 'v',
      from: 0,
      to: Date.now() + 3_600_000,
      limit: 5_000,
      ...(cursor && { cursor }),
    });
    values.push(...page.readings.map((r) => r.value));
    cursor = page.nextCursor;
  } while (cursor);
  return values;
}

function sample(values: Iterable<number>, n = 12): string {
  const list = [...values].sort((a, b) => a - b);
  return `${list.slice(0, n).join(', ')}${list.length > n ? `, … (${list.length} in all)` : ''}`;
}

export interface DeviceTally {
  deviceId: string;
  sent: number;
  acked: number;
  dropped: number;
  stored: number;
}

/** Returns the violations found (empty when the promise held) and a tally per device. */
export async function checkStore(
  dataDir: string,
  ledgers: Ledger[],
  strayValues: ReadonlySet<number>,
): Promise<{ violations: string[]; tallies: DeviceTally[] }> {
  const store = new SqliteStore(dataDir);
  await store.start();
  // Closed before this returns, whatever the check finds: it has no test context, and the
  // report of the run comes after it.
  const violations: string[] = [];
  const tallies: DeviceTally[] = [];
  try {
    for (const ledger of ledgers) {
      const id = ledger.deviceId;
      const values = await storedValues(store, id);
      const counts = new Map<number, number>();
      for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
      const twice = [...counts].filter(([, n]) => n > 1).map(([v]) => v);
      const stray = [...counts.keys()].filter((v) => strayValues.has(v));
      const invented = [...counts.keys()].filter((v) => !ledger.sent.has(v) && !strayValues.has(v));
      const oversized = [...ledger.refusable].filter((v) => counts.has(v));
      const ackedMissing = [...ledger.acked].filter((v) => !counts.has(v));
      const unexplained = [...ledger.sent].filter((v) => !counts.has(v) && !ledger.acked.has(v) && !ledger.dropped.has(v));
      const both = [...ledger.acked].filter((v) => ledger.dropped.has(v));
      if (twice.length) violations.push(`${id}: stored twice: ${sample(twice)}`);
      if (stray.length) violations.push(`${id}: stored values of the stray connection (must be refused): ${sample(stray)}`);
      if (invented.length) violations.push(`${id}: stored values nobody sent: ${sample(invented)}`);
      if (oversized.length) violations.push(`${id}: stored values of messages over the payload limit: ${sample(oversized)}`);
      if (ackedMissing.length) violations.push(`${id}: acked to the device but not stored: ${sample(ackedMissing)}`);
      if (unexplained.length) violations.push(`${id}: sent, never acked, not dropped by the device, not stored: ${sample(unexplained)}`);
      if (both.length) violations.push(`${id}: the device both saw an ack for and dropped: ${sample(both)}`);
      tallies.push({ deviceId: id, sent: ledger.sent.size, acked: ledger.acked.size, dropped: ledger.dropped.size, stored: values.length });
    }
  } finally {
    await store.stop();
  }
  return { violations, tallies };
}

/** Why the dropped values were dropped, counted (for the report of a run). */
export function dropReasons(ledger: Ledger): string {
  const counts = new Map<string, number>();
  for (const why of ledger.dropped.values()) counts.set(why, (counts.get(why) ?? 0) + 1);
  return [...counts].map(([why, n]) => `${n} ${why}`).join(', ') || 'none';
}
