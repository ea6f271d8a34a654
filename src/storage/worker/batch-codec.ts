// A write batch packed for the trip to the store thread. Structured clone copies every reading
// as an object, keys and all, on the hub's thread (about 15 ms for 5000 readings on the machine
// that runs the benches); packed, the numbers go in typed arrays whose buffers are transferred,
// not copied, and each device id and metric name once, for about a tenth of that. The store
// thread unpacks it into readings again, on its own time. The heads and last-seen times (one per
// device of the batch) travel the same way.
import type { Reading } from '../../core/model.js';
import type { WriteBatch } from '../../core/store.js';

export interface PackedBatch {
  /** Every device id and metric name of the readings, once each. */
  names: string[];
  /** Per reading: index of its device id, then of its metric, in `names`. */
  keys: Uint32Array;
  /** Per reading: its timestamp, then its value. */
  numbers: Float64Array;
  /** Per head: the index of its device in `names`, then the head. */
  heads: Float64Array;
  /** Per device heard: the index of its id in `names`, then the time. */
  lastSeen: Float64Array;
}

export function packBatch(batch: WriteBatch): { packed: PackedBatch; transfer: ArrayBuffer[] } {
  const n = batch.readings.length;
  const keys = new Uint32Array(2 * n);
  const numbers = new Float64Array(2 * n);
  const names: string[] = [];
  const index = new Map<string, number>();
  const nameIndex = (name: string): number => {
    let i = index.get(name);
    if (i === undefined) {
      i = names.push(name) - 1;
      index.set(name, i);
    }
    return i;
  };
  for (let i = 0; i < n; i++) {
    const r = batch.readings[i]!;
    keys[2 * i] = nameIndex(r.deviceId);
    keys[2 * i + 1] = nameIndex(r.metric);
    numbers[2 * i] = r.ts;
    numbers[2 * i + 1] = r.value;
  }
  const heads = packPairs(batch.heads, nameIndex, (x) => x.h);
  const lastSeen = packPairs(batch.lastSeen, nameIndex, (x) => x.ts);
  return {
    packed: { names, keys, numbers, heads, lastSeen },
    transfer: [keys.buffer, numbers.buffer, heads.buffer, lastSeen.buffer] as ArrayBuffer[],
  };
}

function packPairs<E extends { deviceId: string }>(
  entries: readonly E[],
  nameIndex: (name: string) => number,
  value: (e: E) => number,
): Float64Array {
  const out = new Float64Array(2 * entries.length);
  for (let i = 0; i < entries.length; i++) {
    out[2 * i] = nameIndex(entries[i]!.deviceId);
    out[2 * i + 1] = value(entries[i]!);
  }
  return out;
}

export function unpackBatch(packed: PackedBatch): WriteBatch {
  const { names, keys, numbers } = packed;
  const readings: Reading[] = new Array(keys.length / 2);
  for (let i = 0; i < readings.length; i++) {
    readings[i] = { deviceId: names[keys[2 * i]!]!, metric: names[keys[2 * i + 1]!]!, ts: numbers[2 * i]!, value: numbers[2 * i + 1]! };
  }
  const heads: WriteBatch['heads'] = new Array(packed.heads.length / 2);
  for (let i = 0; i < heads.length; i++) heads[i] = { deviceId: names[packed.heads[2 * i]!]!, h: packed.heads[2 * i + 1]! };
  const lastSeen: WriteBatch['lastSeen'] = new Array(packed.lastSeen.length / 2);
  for (let i = 0; i < lastSeen.length; i++) lastSeen[i] = { deviceId: names[packed.lastSeen[2 * i]!]!, ts: packed.lastSeen[2 * i + 1]! };
  return { readings, heads, lastSeen };
}
