// The acked-stream promise, checked against the real store once a schedule has drained:
// every acked reading is stored exactly once, nothing is stored twice or written twice, nothing
// is stored that no device sent, no backlog is left, and a reading is missing only when its
// device gave it up, in which case the hub counted its seq as lost or refused it (once the
// stream went past it). Collateral drops (a device giving up a message because the hub refused
// another connection's message with the same seq) are reported apart: see sim-schedule.ts.
import type { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import { seqAfter } from '../../src/core/model.js';
import { unaccounted, type Book } from './sim-book.js';
import type { HubRecord } from './sim-hub.js';
import type { CommitLog } from './sim-store.js';
import { T0, type Actor } from './sim-world.js';

export interface Expectations {
  books: Book[];
  actors: Actor[];
  commits: CommitLog;
  record: HubRecord;
  /** The next seq each device's ledger expects at the end (null: no stream). */
  expected: (deviceId: string) => number | null;
}

export async function checkStore(store: SqliteStore, e: Expectations): Promise<string[]> {
  const problems: string[] = [];
  for (const { deviceId, value } of e.commits.rewritten)
    problems.push(`${deviceId}: value ${value} was written by two committed batches (a resend written again)`);
  for (const book of e.books) {
    const counts = new Map<number, number>();
    const page = await store.queryRaw({ deviceId: book.deviceId, from: T0 - 3_600_000, to: T0 + 86_400_000, limit: 100_000 });
    for (const r of page.readings) {
      if (r.metric !== 'v') {
        problems.push(`${book.deviceId}: stored ${r.metric}=${r.value}, part of a message the hub should have refused`);
        continue;
      }
      counts.set(r.value, (counts.get(r.value) ?? 0) + 1);
    }
    for (const [value, n] of counts) {
      const s = book.samples.get(value);
      if (!s) problems.push(`${book.deviceId}: stored value ${value} that this device never sent`);
      if (n > 1) problems.push(`${book.deviceId}: value ${value} stored ${n} times`);
    }
    const expected = e.expected(book.deviceId);
    for (const s of book.samples.values()) {
      const stored = counts.get(s.value) ?? 0;
      if (s.fate === 'acked' && stored !== 1)
        problems.push(`${book.deviceId}: acked value ${s.value} (seq ${s.seq}) stored ${stored} times`);
      if (stored > 0 || s.fate === 'acked' || s.fate === 'reboot') continue;
      if (s.fate === 'held') {
        problems.push(`${book.deviceId}: value ${s.value} still held unacked after draining`);
        continue;
      }
      // Given up by the device: once the stream moved past its seq, the hub must account for it.
      if (s.superseded || s.seq === null || expected === null || !seqAfter(s.seq, expected)) continue;
      if (book.streamBefore(s) && !e.record.accounts(book.deviceId, s.seq)) problems.push(unaccounted(s));
    }
  }
  for (const a of e.actors)
    if (a.backlog() > 0) problems.push(`${a.deviceId}: ${a.backlog()} messages still unacked after the quiet phase (stall)`);
  return problems;
}
