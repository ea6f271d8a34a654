// Frame bodies of the serial line protocol (docs/protocol.md, "Serial line protocol"): words
// separated by single spaces, the first naming the frame type. Device frames are parsed and
// checked here, at the edge, so the session handles typed, trusted values only; hub frames are
// formatted here. Every refusal is a FrameError with a short code for counters.
import { ACTUATOR_TYPES, checkDeviceId, checkMetricName, isSeq, type ActuatorSpec, type MetricSpec } from '../../../core/model.js';
import { FrameError } from './framing.js';

export const PROTOCOL_VERSION = 1;
const MAX_VALUES = 32;
const MAX_AGE_MS = 86_400_000;
const KNOWN_ACTUATOR_TYPES: ReadonlySet<string> = new Set(ACTUATOR_TYPES);
const NUMBER = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/;
const UINT = /^\d{1,10}$/;

export type DeviceFrame =
  | {
      type: 'hello';
      deviceId: string;
      protocol: number;
      firmware?: string;
      sampleIntervalMs?: number;
      bootId?: number;
      metrics: MetricSpec[];
      actuators: ActuatorSpec[];
    }
  | { type: 'telemetry'; seq: number; ageMs: number; values: Array<{ metric: string; value: number }> }
  | { type: 'heartbeat'; uptimeMs: number; buffered?: number; lost?: number; first?: number }
  | { type: 'commandAck'; commandId: string; ok: boolean; error?: string }
  | { type: 'error'; reason: string };

export type HubFrame =
  | { type: 'hi' }
  | { type: 'welcome'; h: number | null; sampleIntervalMs?: number; bootId?: number }
  | { type: 'ack'; h: number }
  | { type: 'command'; id: string; action: string; params: Array<[string, number]> }
  | { type: 'error'; reason: string };

export function parseDeviceFrame(body: string): DeviceFrame {
  const words = body.split(' ');
  const [type, ...args] = words;
  switch (type) {
    case 'hello':
      return parseHello(args);
    case 't':
      return parseTelemetry(args);
    case 'hb':
      return parseHeartbeat(args);
    case 'cack':
      return parseCommandAck(args);
    case 'err':
      return { type: 'error', reason: args.join(' ') };
    default:
      throw new FrameError('unknown_type', `unknown frame type "${type.slice(0, 16)}"`);
  }
}

export function formatHubFrame(frame: HubFrame): string {
  switch (frame.type) {
    case 'hi':
      return 'hi';
    case 'welcome':
      return `welcome ${frame.h ?? '-'}${frame.sampleIntervalMs ? ` iv=${frame.sampleIntervalMs}` : ''}${frame.bootId !== undefined ? ` boot=${frame.bootId}` : ''}`;
    case 'ack':
      return `h ${frame.h}`;
    case 'command':
      return ['cmd', frame.id, frame.action, ...frame.params.map(([k, v]) => `${k}=${v}`)].join(' ');
    case 'error':
      return `err ${frame.reason.replace(/[\r\n*]/g, ' ').slice(0, 80)}`;
  }
}

function parseHello(args: string[]): DeviceFrame {
  const [deviceId, ...options] = args;
  const idProblem = checkDeviceId(deviceId);
  if (idProblem) throw new FrameError('bad_field', `hello: ${idProblem}`);
  const opts = keyValues(options, 'hello');
  const protocol = uint(opts.get('proto'), 'hello proto');
  if (protocol !== PROTOCOL_VERSION)
    throw new FrameError('protocol', `hello: protocol version ${protocol} is not supported (hub speaks ${PROTOCOL_VERSION})`);
  const iv = opts.get('iv');
  const sampleIntervalMs = iv === undefined ? undefined : uint(iv, 'hello iv');
  if (sampleIntervalMs !== undefined && (sampleIntervalMs < 10 || sampleIntervalMs > MAX_AGE_MS)) {
    throw new FrameError('bad_field', `hello iv: ${sampleIntervalMs} ms is outside 10..${MAX_AGE_MS}`);
  }
  const boot = opts.get('boot');
  return {
    type: 'hello',
    deviceId,
    protocol,
    firmware: opts.get('fw')?.slice(0, 64),
    sampleIntervalMs,
    ...(boot === undefined ? {} : { bootId: uint(boot, 'hello boot') }),
    metrics: pairs(opts.get('m'), 'hello m').map(([name, unit]) => {
      const problem = checkMetricName(name);
      if (problem) throw new FrameError('bad_field', `hello m: ${problem}`);
      return unit ? { name, unit: unit.slice(0, 32) } : { name };
    }),
    actuators: pairs(opts.get('a'), 'hello a').map(([name, type]) => {
      const problem = checkMetricName(name);
      if (problem) throw new FrameError('bad_field', `hello a: ${problem.replace('metric name', 'actuator name')}`);
      if (!KNOWN_ACTUATOR_TYPES.has(type))
        throw new FrameError('bad_field', `hello a: actuator ${name} has type "${type}"; expected led, relay, pwm or servo`);
      return { name, type: type as ActuatorSpec['type'] };
    }),
  };
}

function parseTelemetry(args: string[]): DeviceFrame {
  const [seqText, ageText, ...pairsText] = args;
  const seq = uint(seqText, 't seq');
  if (!isSeq(seq)) throw new FrameError('bad_field', `t seq: ${seq} is beyond uint32`);
  const ageMs = uint(ageText, 't age');
  if (ageMs > MAX_AGE_MS) throw new FrameError('bad_field', `t age: ${ageMs} ms is more than a day`);
  if (pairsText.length === 0) throw new FrameError('bad_field', 't: no metric=value pairs');
  if (pairsText.length > MAX_VALUES) throw new FrameError('bad_field', `t: more than ${MAX_VALUES} values`);
  const values = pairsText.map((pair) => {
    const eq = pair.indexOf('=');
    const metric = pair.slice(0, eq);
    const text = pair.slice(eq + 1);
    if (eq <= 0 || !NUMBER.test(text)) throw new FrameError('bad_field', `t: "${pair.slice(0, 40)}" is not metric=number`);
    return { metric, value: Number(text) };
  });
  return { type: 'telemetry', seq, ageMs, values };
}

function parseHeartbeat(args: string[]): DeviceFrame {
  const [uptime, buffered, lost, first] = args;
  const frame: DeviceFrame = { type: 'heartbeat', uptimeMs: uint(uptime, 'hb uptime') };
  if (buffered !== undefined) frame.buffered = uint(buffered, 'hb buffered');
  if (lost !== undefined) frame.lost = uint(lost, 'hb lost');
  if (first !== undefined) {
    frame.first = uint(first, 'hb first');
    if (!isSeq(frame.first)) throw new FrameError('bad_field', `hb first: ${frame.first} is beyond uint32`);
  }
  return frame;
}

function parseCommandAck(args: string[]): DeviceFrame {
  const [commandId, verdict, ...reason] = args;
  if (!commandId || commandId.length > 64) throw new FrameError('bad_field', 'cack: missing or over-long command id');
  if (verdict === 'ok') return { type: 'commandAck', commandId, ok: true };
  if (verdict === 'err')
    return { type: 'commandAck', commandId, ok: false, error: reason.join(' ').slice(0, 200) || 'device reported failure' };
  throw new FrameError('bad_field', `cack: expected "ok" or "err", got "${String(verdict).slice(0, 16)}"`);
}

function uint(text: string | undefined, what: string): number {
  if (text === undefined || !UINT.test(text))
    throw new FrameError('bad_field', `${what}: expected a whole number, got "${String(text).slice(0, 16)}"`);
  return Number(text);
}

function keyValues(words: string[], what: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const word of words) {
    const eq = word.indexOf('=');
    if (eq <= 0) throw new FrameError('bad_field', `${what}: "${word.slice(0, 24)}" is not key=value`);
    map.set(word.slice(0, eq), word.slice(eq + 1)); // unknown keys are ignored: newer firmware may add some
  }
  return map;
}

/** "a:x,b:y" → [["a","x"],["b","y"]]; the part after ":" may be empty. */
function pairs(text: string | undefined, what: string): Array<[string, string]> {
  if (text === undefined || text === '') return [];
  return text.split(',').map((item) => {
    const colon = item.indexOf(':');
    if (colon === 0) throw new FrameError('bad_field', `${what}: "${item.slice(0, 24)}" has no name`);
    return colon < 0 ? [item, ''] : [item.slice(0, colon), item.slice(colon + 1)];
  });
}
