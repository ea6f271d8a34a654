// SQLite schema of the embedded store. A bucket segment is one row; `seg` numbers the overflow
// segments of an hour. `hours` holds each bucket's summary over all its segments, apart from the
// sample blobs, so long aggregates read a few small rows per hour instead of every segment.
// WITHOUT ROWID keeps each table clustered on its primary key. The by-time indexes on presence and
// commands let retention delete old history without scanning it; being CREATE IF NOT EXISTS they
// are added to an older data directory at open without a schema version of their own.
// `hours.rise` (version 3) is the hour's sum of counter rises (counters.ts), NULL when unknown.
// `appended` (version 4) holds samples written since the last compaction (bucket-writer.ts): one
// packed row per hour and write, in write order, rowid only so an insert lands on the last page.
// A hub that does not know it would not see those samples, hence a version of its own.
export const SCHEMA_VERSION = 4;

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS buckets (
  device TEXT NOT NULL,
  metric TEXT NOT NULL,
  start INTEGER NOT NULL,
  seg INTEGER NOT NULL,
  count INTEGER NOT NULL,
  sum REAL NOT NULL,
  min REAL NOT NULL,
  max REAL NOT NULL,
  first_t INTEGER NOT NULL,
  first_v REAL NOT NULL,
  last_t INTEGER NOT NULL,
  last_v REAL NOT NULL,
  samples BLOB NOT NULL,
  PRIMARY KEY (device, metric, start, seg)
) WITHOUT ROWID;

CREATE INDEX IF NOT EXISTS buckets_by_device_time ON buckets (device, start);
CREATE INDEX IF NOT EXISTS buckets_by_start ON buckets (start);

CREATE TABLE IF NOT EXISTS hours (
  device TEXT NOT NULL,
  metric TEXT NOT NULL,
  start INTEGER NOT NULL,
  count INTEGER NOT NULL,
  sum REAL NOT NULL,
  min REAL NOT NULL,
  max REAL NOT NULL,
  first_t INTEGER NOT NULL,
  first_v REAL NOT NULL,
  last_t INTEGER NOT NULL,
  last_v REAL NOT NULL,
  rise REAL,
  PRIMARY KEY (device, metric, start)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS hours_by_device_time ON hours (device, start);
CREATE INDEX IF NOT EXISTS hours_by_start ON hours (start);

CREATE TABLE IF NOT EXISTS appended (
  id INTEGER PRIMARY KEY,
  device TEXT NOT NULL,
  metric TEXT NOT NULL,
  start INTEGER NOT NULL,
  samples BLOB NOT NULL
);

CREATE TABLE IF NOT EXISTS devices (
  id TEXT PRIMARY KEY,
  doc TEXT NOT NULL,
  stream_h INTEGER,
  last_seen INTEGER
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS presence (
  device TEXT NOT NULL,
  ts INTEGER NOT NULL,
  state TEXT NOT NULL,
  previous TEXT NOT NULL,
  reason TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS presence_by_device ON presence (device, ts);
CREATE INDEX IF NOT EXISTS presence_by_time ON presence (ts);

CREATE TABLE IF NOT EXISTS commands (
  id TEXT PRIMARY KEY,
  device TEXT NOT NULL,
  state TEXT NOT NULL,
  updated INTEGER NOT NULL,
  doc TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS commands_by_device ON commands (device, updated);
CREATE INDEX IF NOT EXISTS commands_by_state ON commands (state, updated);

CREATE TABLE IF NOT EXISTS records (
  kind TEXT NOT NULL,
  id TEXT NOT NULL,
  doc TEXT NOT NULL,
  PRIMARY KEY (kind, id)
) WITHOUT ROWID;
`;
