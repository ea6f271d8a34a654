// Shelly Gen2+ (Plus, Pro, Gen3, Gen4) over MQTT: the full status of a component on
// <prefix>/status/<component:id>, RPC notifications on <prefix>/events/rpc (NotifyStatus: what
// changed, stamped with the device's UTC time `ts` in seconds; NotifyFullStatus; NotifyEvent,
// which carries no measurement), and the answers to the hub's requests on <src>/rpc.
import type { OutgoingPublish } from '../dialect.js';
import type { ShellyMemory } from './memory.js';
import { parseFrame, parseObject, type Parsed } from './schemas.js';
import { actuatorOf, isMeasured, measure, type Measurement } from './status.js';
import type { RefusedReading } from '../dialect.js';

/** What one Gen2 publish holds: its readings (all at `ts` when the device stamped them) and the actuators it showed. */
export interface Gen2Reading {
  measurements: Measurement[];
  refused: RefusedReading[];
  actuators: string[];
  ts?: number;
}

/** `<prefix>/status/<component:id>`: the component's whole status. */
export function readStatus(memory: ShellyMemory, component: string, payload: Buffer): Parsed<Gen2Reading> {
  const status = parseObject(payload);
  if (!status.ok) return status;
  memory.replace(component, status.value);
  return { ok: true, value: read([[component, status.value, status.value]]) };
}

/** `<prefix>/events/rpc`: a notification; only NotifyStatus and NotifyFullStatus carry readings. */
export function readNotification(memory: ShellyMemory, payload: Buffer): Parsed<Gen2Reading> {
  const frame = parseFrame('notification', payload);
  if (!frame.ok) return frame;
  const { method, params = {} } = frame.value;
  if (method !== 'NotifyStatus' && method !== 'NotifyFullStatus') return { ok: true, value: read([]) };
  const parts: Array<[string, Record<string, unknown>, Record<string, unknown>]> = [];
  for (const [component, changes] of Object.entries(params)) {
    if (component === 'ts' || !isRecord(changes)) continue;
    if (method === 'NotifyFullStatus') memory.replace(component, changes);
    parts.push([component, changes, method === 'NotifyFullStatus' ? changes : memory.overlay(component, changes)]);
  }
  const ts = deviceTime(params.ts);
  return { ok: true, value: { ...read(parts), ...(ts !== undefined && { ts }) } };
}

/** Readings of each component's carried fields; actuators from its status as it now stands. */
function read(parts: Array<[string, Record<string, unknown>, Record<string, unknown>]>): Gen2Reading {
  const out: Gen2Reading = { measurements: [], refused: [], actuators: [] };
  for (const [component, carried, status] of parts) {
    if (!isMeasured(component)) continue;
    const { measurements, refused } = measure(component, carried);
    out.measurements.push(...measurements);
    out.refused.push(...refused);
    const actuator = actuatorOf(component, status);
    if (actuator) out.actuators.push(actuator);
  }
  return out;
}

/** `params.ts`: Unix seconds (UTC) with a fraction, to milliseconds; absent or odd → the hub's receive time. */
function deviceTime(ts: unknown): number | undefined {
  if (typeof ts !== 'number' || !Number.isFinite(ts) || ts <= 0) return undefined;
  return Math.round(ts * 1000);
}

/** `<src>/rpc`: the answer to request `id`, settled by its key. */
export function readAnswer(payload: Buffer): Parsed<{ key: string; ok: boolean; error?: string }> {
  const frame = parseFrame('answer', payload);
  if (!frame.ok) return frame;
  const { id, error } = frame.value;
  if (error === undefined) return { ok: true, value: { key: rpcKey(id), ok: true } };
  const why = `${error.message ?? 'the device refused the request'}${error.code === undefined ? '' : ` (code ${error.code})`}`;
  return { ok: true, value: { key: rpcKey(id), ok: false, error: why } };
}

/** The answer key of RPC request `id`. */
export function rpcKey(id: number | string): string {
  return `rpc:${id}`;
}

/** `Switch.Set` for switch `<n>`, answered on `<src>/rpc` with the same id. */
export function switchSet(prefix: string, src: string, id: number, switchId: number, on: boolean): OutgoingPublish {
  return { topic: `${prefix}/rpc`, payload: JSON.stringify({ id, src, method: 'Switch.Set', params: { id: switchId, on } }) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
