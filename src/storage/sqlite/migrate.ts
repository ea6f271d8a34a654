// Brings a data directory written by an earlier hub up to SCHEMA_VERSION, once, at open.
// Version 1 had no `hours` table: it is filled from the segment summaries in one transaction, so
// a hub that stops half-way leaves the old version behind and fills it again on the next start.
// Version 2 had no `hours.rise`: the column is added empty (NULL), and an increase over such an
// hour reads its samples; hours written from now on keep it.
// Version 3 had no `appended` table: SCHEMA creates it empty, and every sample of such a directory
// is already in its segments. The version still moves so that an older hub refuses a directory
// whose `appended` may hold samples it would not see.
import type { Database } from 'better-sqlite3';
import { SCHEMA_VERSION } from './schema.js';

export function migrate(db: Database): void {
  const row = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: string } | undefined;
  const version = row === undefined ? SCHEMA_VERSION : Number(row.value);
  if (version > SCHEMA_VERSION) {
    throw new Error(`the data directory was written by a newer hub (schema ${version}; this hub knows up to ${SCHEMA_VERSION})`);
  }
  db.transaction(() => {
    if (version < 2) fillHours(db);
    if (version < 3) addRise(db);
    db.prepare("INSERT INTO meta (key, value) VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(
      String(SCHEMA_VERSION),
    );
  })();
}

// Each hour's figures over its segments; first and last values come from the segment holding the
// earliest and the latest timestamp (timestamps are unique within an hour).
function fillHours(db: Database): void {
  db.exec(`
    INSERT OR REPLACE INTO hours (device, metric, start, count, sum, min, max, first_t, first_v, last_t, last_v)
    SELECT device, metric, start, SUM(count), SUM(sum), MIN(min), MAX(max), MIN(first_t), MIN(fv), MAX(last_t), MIN(lv)
    FROM (
      SELECT device, metric, start, count, sum, min, max, first_t, last_t,
        first_value(first_v) OVER (PARTITION BY device, metric, start ORDER BY first_t) AS fv,
        first_value(last_v) OVER (PARTITION BY device, metric, start ORDER BY last_t DESC) AS lv
      FROM buckets
    )
    GROUP BY device, metric, start`);
}

// A version 1 directory got its `hours` table from the current SCHEMA, rise included.
function addRise(db: Database): void {
  const columns = db.prepare('PRAGMA table_info(hours)').all() as Array<{ name: string }>;
  if (!columns.some((c) => c.name === 'rise')) db.exec('ALTER TABLE hours ADD COLUMN rise REAL');
}
