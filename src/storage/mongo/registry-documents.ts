// Documents, filters and update documents of the small collections: devices (with their stream
// heads), presence history, commands and named records. Plain objects only, so the tests run the
// very same objects through mingo.
import { FINISHED_COMMAND_STATES, type Command, type CommandState, type Device, type PresenceChange } from '../../core/model.js';
import type { StoredDevice, WriteBatch } from '../../core/store.js';
import type { Filter } from './bucket-documents.js';
import type { IndexSpec } from './collection.js';

export const DEVICES = 'devices';
export const PRESENCE = 'presence';
export const COMMANDS = 'commands';
export const RECORDS = 'records';

/** Device document: the description under `dev`, the stream head `h` and the last time heard `seen`. */
export interface DeviceDoc {
  _id: string;
  dev: Device;
  h?: number;
  seen?: number;
}

export const REGISTRY_INDEXES: Record<string, IndexSpec[]> = {
  // `time` serves retention, which deletes old changes across all devices.
  [PRESENCE]: [
    { key: { d: 1, ts: -1 }, name: 'device_time' },
    { key: { ts: 1 }, name: 'time' },
  ],
  [COMMANDS]: [
    { key: { d: 1, up: -1 }, name: 'device_updated' },
    { key: { st: 1, up: -1 }, name: 'state_updated' },
  ],
  [RECORDS]: [{ key: { k: 1, i: 1 }, name: 'kind_id', unique: true }],
};

/** Saves a description; `seen` only moves forward, as in the embedded store. */
export function deviceUpsert(device: Device): { filter: Filter; update: Record<string, unknown> } {
  const update: Record<string, unknown> = { $set: { dev: device } };
  if (device.lastSeen !== null) update.$max = { seen: device.lastSeen };
  return { filter: { _id: device.id }, update };
}

/**
 * The stream heads and last-seen times of one flush, one update per device (the last head of a
 * device in the batch is its newest). Devices not registered are left alone, as in SQLite.
 */
export function headUpdates(batch: Pick<WriteBatch, 'heads' | 'lastSeen'>): Array<{ filter: Filter; update: Record<string, unknown> }> {
  const heads = new Map<string, number>();
  for (const head of batch.heads) heads.set(head.deviceId, head.h);
  const seen = new Map<string, number>();
  for (const s of batch.lastSeen) seen.set(s.deviceId, Math.max(seen.get(s.deviceId) ?? s.ts, s.ts));
  return [...new Set([...heads.keys(), ...seen.keys()])].map((id) => {
    const update: Record<string, unknown> = {};
    if (heads.has(id)) update.$set = { h: heads.get(id) };
    if (seen.has(id)) update.$max = { seen: seen.get(id) };
    return { filter: { _id: id }, update };
  });
}

export function storedDevice(doc: DeviceDoc): StoredDevice {
  return { ...doc.dev, lastSeen: doc.seen ?? doc.dev.lastSeen, streamH: doc.h ?? null };
}

export function presenceDoc(change: PresenceChange): Record<string, unknown> {
  return { d: change.deviceId, ts: change.ts, st: change.state, pr: change.previous, r: change.reason };
}

export function presenceHistoryQuery(deviceId: string, limit: number): { filter: Filter; sort: Record<string, -1>; limit: number } {
  // _id (an ObjectId, increasing per process) breaks ties between changes in the same millisecond.
  return { filter: { d: deviceId }, sort: { ts: -1, _id: -1 }, limit };
}

export function presenceChange(doc: Record<string, unknown>): PresenceChange {
  return {
    deviceId: doc.d as string,
    ts: doc.ts as number,
    reason: doc.r as string,
    state: doc.st as PresenceChange['state'],
    previous: doc.pr as PresenceChange['previous'],
  };
}

export function commandReplacement(command: Command): { filter: Filter; replacement: Record<string, unknown> } {
  return { filter: { _id: command.id }, replacement: { d: command.deviceId, st: command.state, up: command.updatedAt, cmd: command } };
}

export function commandsQuery(filter: { deviceId?: string; states?: CommandState[]; limit?: number }): {
  filter: Filter;
  sort: Record<string, -1>;
  limit: number;
} {
  const f: Filter = {};
  if (filter.deviceId !== undefined) f.d = filter.deviceId;
  if (filter.states?.length) f.st = { $in: filter.states };
  return { filter: f, sort: { up: -1 }, limit: filter.limit ?? 1000 };
}

/**
 * What retention deletes: presence changes before `cutoff`, and finished commands last updated
 * before it (served by the `state_updated` index). Queued and sent commands are left for the
 * command service, which expires them itself.
 */
export function historyPruneFilters(cutoff: number): { presence: Filter; commands: Filter } {
  return {
    presence: { ts: { $lt: cutoff } },
    commands: { st: { $in: [...FINISHED_COMMAND_STATES] }, up: { $lt: cutoff } },
  };
}

/** What removing a device deletes from the small collections: its document, and with purge its history. */
export function deviceRemovalFilters(deviceId: string): { device: Filter; presence: Filter; commands: Filter } {
  return { device: { _id: deviceId }, presence: { d: deviceId }, commands: { d: deviceId } };
}

export function recordFilter(kind: string, id: string): Filter {
  return { k: kind, i: id };
}
