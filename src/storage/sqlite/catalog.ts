// What the embedded store keeps beside readings: devices, presence history, commands and the
// generic records (API tokens, alert rules, …). Plain rows, one statement each; SqliteStore
// delegates to it so that file keeps to the readings' write and compaction path.
import type { Database, Statement } from 'better-sqlite3';
import { FINISHED_COMMAND_STATES, type Command, type CommandState, type Device, type PresenceChange } from '../../core/model.js';
import type { DeviceRemoved, HistoryPruned, StoredDevice } from '../../core/store.js';

export class SqliteCatalog {
  private readonly statements = new Map<string, Statement>();

  constructor(private readonly db: Database) {}

  pruneHistoryBefore(cutoff: number): HistoryPruned {
    const dropPresence = this.statement('DELETE FROM presence WHERE ts < ?');
    const states = FINISHED_COMMAND_STATES.map(() => '?').join(', ');
    const dropCommands = this.statement(`DELETE FROM commands WHERE state IN (${states}) AND updated < ?`);
    return this.db.transaction(() => ({
      presence: dropPresence.run(cutoff).changes,
      commands: dropCommands.run(...FINISHED_COMMAND_STATES, cutoff).changes,
    }))();
  }

  loadDevices(): StoredDevice[] {
    const rows = this.statement('SELECT doc, stream_h, last_seen FROM devices ORDER BY id').all() as Array<{
      doc: string;
      stream_h: number | null;
      last_seen: number | null;
    }>;
    return rows.map((r) => {
      const device = JSON.parse(r.doc) as Device;
      return { ...device, lastSeen: r.last_seen ?? device.lastSeen, streamH: r.stream_h };
    });
  }

  saveDevices(devices: Device[]): void {
    const upsert = this.statement(`INSERT INTO devices (id, doc, last_seen) VALUES (?, ?, ?)
        ON CONFLICT (id) DO UPDATE SET doc = excluded.doc,
          last_seen = MAX(COALESCE(devices.last_seen, 0), COALESCE(excluded.last_seen, 0))`);
    this.db.transaction(() => {
      for (const d of devices) upsert.run(d.id, JSON.stringify(d), d.lastSeen);
    })();
  }

  /** Without `purge` only the device row goes; with it, its readings, presence and commands too. */
  removeDevice(deviceId: string, purge: boolean): DeviceRemoved {
    const dropDevice = this.statement('DELETE FROM devices WHERE id = ?');
    const dropSegments = this.statement('DELETE FROM buckets WHERE device = ?');
    const dropHours = this.statement('DELETE FROM hours WHERE device = ?');
    const dropPresence = this.statement('DELETE FROM presence WHERE device = ?');
    const dropCommands = this.statement('DELETE FROM commands WHERE device = ?');
    return this.db.transaction((): DeviceRemoved => {
      const device = dropDevice.run(deviceId).changes > 0;
      if (!purge) return { device, buckets: 0, presence: 0, commands: 0 };
      dropHours.run(deviceId);
      return {
        device,
        buckets: dropSegments.run(deviceId).changes,
        presence: dropPresence.run(deviceId).changes,
        commands: dropCommands.run(deviceId).changes,
      };
    })();
  }

  appendPresence(changes: PresenceChange[]): void {
    // One transaction, so one sync of the log for a whole group of changes.
    const insert = this.statement('INSERT INTO presence (device, ts, state, previous, reason) VALUES (?, ?, ?, ?, ?)');
    this.db.transaction(() => {
      for (const c of changes) insert.run(c.deviceId, c.ts, c.state, c.previous, c.reason);
    })();
  }

  presenceHistory(deviceId: string, limit: number): PresenceChange[] {
    const rows = this.statement(
      'SELECT device, ts, state, previous, reason FROM presence WHERE device = ? ORDER BY ts DESC, rowid DESC LIMIT ?',
    ).all(deviceId, limit) as Array<{ device: string; ts: number; state: string; previous: string; reason: string }>;
    return rows.map((r) => ({
      deviceId: r.device,
      ts: r.ts,
      reason: r.reason,
      state: r.state as PresenceChange['state'],
      previous: r.previous as PresenceChange['previous'],
    }));
  }

  saveCommand(command: Command): void {
    this.statement(`INSERT INTO commands (id, device, state, updated, doc) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (id) DO UPDATE SET state = excluded.state, updated = excluded.updated, doc = excluded.doc`).run(
      command.id,
      command.deviceId,
      command.state,
      command.updatedAt,
      JSON.stringify(command),
    );
  }

  loadCommands(filter: { deviceId?: string; states?: CommandState[]; limit?: number }): Command[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.deviceId !== undefined) {
      where.push('device = ?');
      args.push(filter.deviceId);
    }
    if (filter.states?.length) {
      where.push(`state IN (${filter.states.map(() => '?').join(', ')})`);
      args.push(...filter.states);
    }
    const sql = `SELECT doc FROM commands ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY updated DESC LIMIT ?`;
    const rows = this.statement(sql).all(...args, filter.limit ?? 1000) as Array<{ doc: string }>;
    return rows.map((r) => JSON.parse(r.doc) as Command);
  }

  putRecord(kind: string, id: string, doc: Record<string, unknown>): void {
    this.statement('INSERT INTO records (kind, id, doc) VALUES (?, ?, ?) ON CONFLICT (kind, id) DO UPDATE SET doc = excluded.doc').run(
      kind,
      id,
      JSON.stringify(doc),
    );
  }

  getRecord(kind: string, id: string): Record<string, unknown> | null {
    const row = this.statement('SELECT doc FROM records WHERE kind = ? AND id = ?').get(kind, id) as { doc: string } | undefined;
    return row ? (JSON.parse(row.doc) as Record<string, unknown>) : null;
  }

  deleteRecord(kind: string, id: string): boolean {
    return this.statement('DELETE FROM records WHERE kind = ? AND id = ?').run(kind, id).changes > 0;
  }

  listRecords(kind: string): Array<{ id: string; doc: Record<string, unknown> }> {
    const rows = this.statement('SELECT id, doc FROM records WHERE kind = ? ORDER BY id').all(kind) as Array<{ id: string; doc: string }>;
    return rows.map((r) => ({ id: r.id, doc: JSON.parse(r.doc) as Record<string, unknown> }));
  }

  private statement(sql: string): Statement {
    let st = this.statements.get(sql);
    if (!st) this.statements.set(sql, (st = this.db.prepare(sql)));
    return st;
  }
}
