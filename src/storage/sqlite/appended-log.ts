// The `appended` table and its mirror in memory: per hour, the packed rows written since the
// hour's last compaction and their rowids. Compaction moves some hours at a time (a slice) and
// deletes exactly their rows by rowid, so rows appended meanwhile for other hours stay.
//
// Rows go in and out by multi-row statements: a write appends one row per touched hour, a
// backfill touches hundreds of hours per write, and one statement per row would cost more than
// the rows themselves. Rowids of one multi-row insert are consecutive: this connection is the
// table's only writer and SQLite gives a new row the largest rowid plus one.
import type { Database } from 'better-sqlite3';
import { RowStatements } from './row-statements.js';

export interface HourKey {
  key: string;
  deviceId: string;
  metric: string;
  start: number;
}

/** An hour's samples in `appended`, not yet in its segments: the packed rows as written. */
export interface AppendedHour extends HourKey {
  chunks: Buffer[];
  ids: number[];
  samples: number;
}

/** A row to append: the hour and its packed samples. */
export interface NewRow {
  hour: HourKey;
  packed: Buffer;
  count: number;
}

const SAMPLE_BYTES = 12;

export class AppendedLog {
  private readonly hours = new Map<string, AppendedHour>();
  private samples = 0;
  private readonly insert: RowStatements;
  private readonly remove: RowStatements;

  constructor(db: Database) {
    this.insert = new RowStatements(db, 'INSERT INTO appended (device, metric, start, samples) VALUES', '(?, ?, ?, ?)', '');
    this.remove = new RowStatements(db, 'DELETE FROM appended WHERE id IN (', '?', ')');
  }

  /** Samples written and not yet compacted. */
  get pendingSamples(): number {
    return this.samples;
  }

  get size(): number {
    return this.hours.size;
  }

  get(key: string): AppendedHour | undefined {
    return this.hours.get(key);
  }

  /** The hours waiting, in key order (each series' hours together, as the tables' keys sort them). */
  keys(): string[] {
    return [...this.hours.keys()].sort();
  }

  /** Inserts the rows (inside the caller's transaction); returns their rowids, in order. */
  append(rows: readonly NewRow[]): number[] {
    const ids: number[] = new Array(rows.length);
    this.insert.runEach(
      rows,
      (row, values) => values.push(row.hour.deviceId, row.hour.metric, row.hour.start, row.packed),
      (first, n, info) => {
        const last = Number(info.lastInsertRowid);
        for (let i = 0; i < n; i++) ids[first + i] = last - n + 1 + i;
      },
    );
    return ids;
  }

  /** Takes rows into the mirror once their transaction committed. */
  note(rows: readonly NewRow[], ids: readonly number[]): void {
    for (let i = 0; i < rows.length; i++) this.noteRow(rows[i].hour, rows[i].packed, ids[i], rows[i].count);
  }

  /** One row read back at start; `packed` holds the samples of it not stored elsewhere (maybe none). */
  noteRow(hour: HourKey, packed: Buffer, id: number, count = packed.length / SAMPLE_BYTES): void {
    let a = this.hours.get(hour.key);
    if (!a) {
      a = { key: hour.key, deviceId: hour.deviceId, metric: hour.metric, start: hour.start, chunks: [], ids: [], samples: 0 };
      this.hours.set(hour.key, a);
    }
    if (count > 0) a.chunks.push(packed);
    a.ids.push(id);
    a.samples += count;
    this.samples += count;
  }

  /** Deletes the hours' rows (inside the caller's transaction). */
  delete(hours: readonly AppendedHour[]): void {
    const ids = hours.flatMap((a) => a.ids);
    this.remove.runEach(ids, (id, values) => values.push(id));
  }

  /** Drops the hours from the mirror once the transaction that deleted their rows committed. */
  forgetHours(hours: readonly AppendedHour[]): void {
    for (const a of hours) {
      this.hours.delete(a.key);
      this.samples -= a.samples;
    }
  }
}
