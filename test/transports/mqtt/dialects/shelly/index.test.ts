// The Shelly dialect's session against real Shelly traffic (shelly.jsonl, see its .source.md):
// every line routes and decodes to the expected presence, meta and readings, in order, since a
// Gen2 NotifyStatus is laid over the status kept before it. Then refusals, subscriptions and commands.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DIALECTS, type DeviceMeta, type DialectInput } from '../../../../../src/transports/mqtt/dialects/index.js';
import { shellyDialect } from '../../../../../src/transports/mqtt/dialects/shelly/index.js';
import { checkMetricName, type Command } from '../../../../../src/core/model.js';
import type { ReadingInput } from '../../../../../src/core/ingest.js';

interface FixtureLine {
  topic: string;
  payload: string;
  kind: string;
}
const lines: FixtureLine[] = readFileSync(new URL('./shelly.jsonl', import.meta.url), 'utf8')
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line));

const PREFIXES = { shelly1: 'shellies/shelly1', plus1pm: 'shellies/plus1pm', em3: 'shellies/shellies/shellyem3' };
const buf = (text: string) => Buffer.from(text);

function sessions() {
  return {
    shelly1: shellyDialect.open('shelly-1', PREFIXES.shelly1),
    plus1pm: shellyDialect.open('plus-1pm', PREFIXES.plus1pm),
    em3: shellyDialect.open('em3', PREFIXES.em3),
  };
}

/** The session a fixture line belongs to: the device whose prefix its topic is under (announce: the Shelly 1). */
function ownerOf(topic: string): keyof typeof PREFIXES {
  if (topic === 'shellies/announce') return 'shelly1';
  const owner = (Object.keys(PREFIXES) as Array<keyof typeof PREFIXES>).find((k) => topic.startsWith(`${PREFIXES[k]}/`));
  assert.ok(owner, topic);
  return owner;
}

const T0 = 1661517385440;
const online: DialectInput = { kind: 'status', status: 'online' };
const offline: DialectInput = { kind: 'status', status: 'offline' };
const meta = (m: DeviceMeta): DialectInput => ({ kind: 'meta', meta: m });
const readings = (...rs: ReadingInput[]): DialectInput => ({ kind: 'readings', readings: rs, refused: [] });

/** What each of the 13 lines decodes to, in file order. */
const EXPECTED: DialectInput[][] = [
  [online],
  [meta({ firmware: '20220809-123240/v1.12-g99f7e0b' })],
  [
    meta({ actuators: [{ name: 'relay.0', type: 'relay' }] }),
    readings({ metric: 'relay.0', value: 1 }),
    { kind: 'answer', key: 'relay.0=1', ok: true },
  ],
  [offline],
  // NotifyStatus: only what changed, at the device's time (params.ts 1661517385.44 s).
  [meta({ metrics: [{ name: 'switch.0.voltage', unit: 'V' }] }), readings({ metric: 'switch.0.voltage', value: 232.7, ts: T0 })],
  // The full status: arrays (by_minute), minute_ts, source and tF left out; the switch becomes an actuator.
  [
    meta({
      metrics: [
        { name: 'switch.0.apower', unit: 'W' },
        { name: 'switch.0.current', unit: 'A' },
        { name: 'switch.0.aenergy.total', unit: 'Wh' },
        { name: 'switch.0.temperature.tc', unit: '°C' },
      ],
      actuators: [{ name: 'switch.0', type: 'relay' }],
    }),
    readings(
      { metric: 'switch.0.output', value: 0 },
      { metric: 'switch.0.apower', value: 0 },
      { metric: 'switch.0.voltage', value: 232.7 },
      { metric: 'switch.0.current', value: 0 },
      { metric: 'switch.0.aenergy.total', value: 0 },
      { metric: 'switch.0.temperature.tc', value: 39.2 },
    ),
  ],
  [readings({ metric: 'switch.0.aenergy.total', value: 0, ts: 1661517421440 })],
  [readings({ metric: 'switch.0.output', value: 1, ts: 1661517432850 })],
  [offline],
  [meta({ metrics: [{ name: 'emeter.0.power', unit: 'W' }] }), readings({ metric: 'emeter.0.power', value: 0 })],
  [meta({ metrics: [{ name: 'emeter.0.voltage', unit: 'V' }] }), readings({ metric: 'emeter.0.voltage', value: 230.35 })],
  [meta({ metrics: [{ name: 'emeter.0.total', unit: 'Wh' }] }), readings({ metric: 'emeter.0.total', value: 0 })],
  [meta({ metrics: [{ name: 'emeter.0.total_returned', unit: 'Wh' }] }), readings({ metric: 'emeter.0.total_returned', value: 0 })],
];

test('the broker speaks the Shelly dialect; a device topic is its MQTT prefix', () => {
  assert.equal(DIALECTS.shelly, shellyDialect);
  assert.equal(shellyDialect.defaultTopic('shellyplus1pm-4417939341dc'), 'shellyplus1pm-4417939341dc');
  for (const prefix of Object.values(PREFIXES)) assert.equal(shellyDialect.checkTopic(prefix), null, prefix);
  for (const bad of ['', 'shellies', 'a/+/b', 'a/#', '/a', 'a//b', 'a/', '$SYS/x', 'telemetry-hub/x', 'devices/x', 'shellies/command'])
    assert.equal(typeof shellyDialect.checkTopic(bad), 'string', bad);
});

test('every fixture line routes and decodes to its presence, meta, readings and answers', () => {
  assert.equal(lines.length, EXPECTED.length);
  const open = sessions();
  for (const [i, line] of lines.entries()) {
    const session = open[ownerOf(line.topic)];
    assert.deepEqual(session.route(line.topic), { ok: true }, line.topic);
    assert.deepEqual(session.decode(line.topic, buf(line.payload), 0), { ok: true, value: EXPECTED[i] }, `line ${i + 1}: ${line.topic}`);
  }
});

test('Gen1 energy in watt-minutes is stored in Wh; other own topics decode to nothing', () => {
  const { shelly1 } = sessions();
  assert.deepEqual(shelly1.decode('shellies/shelly1/relay/0/energy', buf('1200'), 0), {
    ok: true,
    value: [meta({ metrics: [{ name: 'relay.0.energy', unit: 'Wh' }] }), readings({ metric: 'relay.0.energy', value: 20 })],
  });
  for (const topic of ['shellies/shelly1/info', 'shellies/shelly1/temperature_f', 'shellies/shelly1/input_event/0']) {
    assert.deepEqual(shelly1.route(topic), { ok: true }, topic);
    assert.deepEqual(shelly1.decode(topic, buf('{"x":1}'), 0), { ok: true, value: [] }, topic);
  }
  assert.deepEqual(shelly1.decode('shellies/shelly1/relay/0', buf('overpower'), 0), { ok: true, value: [] });
});

test('Gen2 NotifyEvent and plumbing components carry no readings', () => {
  const { plus1pm } = sessions();
  const event = { src: 'x', method: 'NotifyEvent', params: { ts: 1, events: [{ component: 'input:0', event: 'single_push' }] } };
  assert.deepEqual(plus1pm.decode('shellies/plus1pm/events/rpc', buf(JSON.stringify(event)), 0), { ok: true, value: [] });
  assert.deepEqual(plus1pm.decode('shellies/plus1pm/status/sys', buf('{"uptime": 40, "ram_free": 1000}'), 0), { ok: true, value: [] });
});

test('bad payloads and foreign topics are refused with their code; a bad value alone is refused, the rest kept', () => {
  const { shelly1, plus1pm } = sessions();
  const code = (decoded: ReturnType<typeof shelly1.decode>) => (decoded.ok ? 'ok' : decoded.code);
  assert.equal(code(plus1pm.decode('shellies/plus1pm/events/rpc', buf('{not json'), 0)), 'malformed');
  assert.equal(code(plus1pm.decode('shellies/plus1pm/events/rpc', buf('{"params": {}}'), 0)), 'malformed');
  assert.equal(code(plus1pm.decode('shellies/plus1pm/status/switch:0', buf('[1]'), 0)), 'malformed');
  assert.equal(code(shelly1.decode('shellies/shelly1/online', buf('maybe'), 0)), 'bad_status');
  assert.equal(code(shelly1.decode('shellies/announce', buf('{"id":"shelly1-other","fw_ver":"1"}'), 0)), 'foreign_topic');
  assert.equal(code(shelly1.decode('shellies/announce', buf('{"model":"SHSW-1"}'), 0)), 'bad_meta');
  assert.deepEqual(shelly1.decode('shellies/shelly1/relay/0/power', buf('lots'), 0), {
    ok: true,
    value: [{ kind: 'readings', readings: [], refused: [{ metric: 'relay.0.power', detail: 'value must be a plain number, got "lots"' }] }],
  });
  const partial = plus1pm.decode('shellies/plus1pm/status/switch:1', buf('{"id":1,"apower":"high","current":0.5}'), 0);
  assert.ok(partial.ok);
  const carried = partial.value.find((input) => input.kind === 'readings');
  assert.deepEqual(carried, {
    kind: 'readings',
    readings: [{ metric: 'switch.1.current', value: 0.5 }],
    refused: [{ metric: 'switch.1.apower', detail: 'value must be a number, got "high"' }],
  });
  const route = (topic: string) => {
    const r = shelly1.route(topic);
    return r.ok ? 'ok' : r.code;
  };
  assert.equal(route('shellies/shelly2/relay/0'), 'foreign_topic');
  assert.equal(route('shellies/shelly1'), 'foreign_topic');
  assert.equal(route('telemetry-hub/other/rpc'), 'foreign_topic');
  assert.equal(route('shellies/shelly1/relay/0/command'), 'hub_topic');
  assert.equal(route('shellies/command'), 'hub_topic');
  assert.equal(route('shellies/shelly1/rpc'), 'hub_topic');
  assert.equal(route('telemetry-hub/shelly-1/rpc'), 'ok');
});

test('a Shelly subscribes to its own command topics only; the RPC and relay command topics mean it takes commands', () => {
  const { shelly1, plus1pm } = sessions();
  for (const filter of ['shellies/shelly1/relay/0/command', 'shellies/shelly1/command', 'shellies/command'])
    assert.equal(shelly1.maySubscribe(filter), true, filter);
  for (const filter of [
    'shellies/#',
    'shellies/shelly1/#',
    'shellies/+/relay/0/command',
    'shellies/shelly2/relay/0/command',
    'shellies/shelly1/relay/0',
  ])
    assert.equal(shelly1.maySubscribe(filter), false, filter);
  assert.equal(plus1pm.maySubscribe('shellies/plus1pm/rpc'), true);
  assert.equal(plus1pm.maySubscribe('shellies/plus1pm/command/switch:0'), true);
  assert.deepEqual(plus1pm.subscribed('shellies/plus1pm/rpc'), { resume: false, commands: true });
  assert.deepEqual(shelly1.subscribed('shellies/shelly1/relay/0/command'), { resume: false, commands: true });
  assert.deepEqual(shelly1.subscribed('shellies/command'), { resume: false, commands: false });
});

const command = (params: Record<string, unknown>, action = 'set'): Command => ({
  id: 'c-1',
  deviceId: 'd',
  action,
  params,
  state: 'queued',
  createdAt: 1,
  updatedAt: 1,
  expiresAt: 30_001,
});

test('Gen2: set {"switch.0": true} is a Switch.Set request answered on <src>/rpc with its id', () => {
  const { plus1pm } = sessions();
  const plan = plus1pm.command(command({ 'switch.0': true }));
  assert.ok(plan.ok);
  assert.equal(plan.publishes.length, 1);
  const [publish] = plan.publishes;
  assert.equal(publish.topic, 'shellies/plus1pm/rpc');
  const request = JSON.parse(publish.payload);
  assert.deepEqual(request, { id: request.id, src: 'telemetry-hub/plus-1pm', method: 'Switch.Set', params: { id: 0, on: true } });
  assert.ok(Number.isInteger(request.id) && request.id < 2 ** 31);
  assert.equal(plan.answer, `rpc:${request.id}`);
  const next = plus1pm.command(command({ 'switch.1': 0 }));
  assert.ok(next.ok && JSON.parse(next.publishes[0].payload).id === request.id + 1, 'each request has its own id');
  const answerTopic = 'telemetry-hub/plus-1pm/rpc';
  assert.deepEqual(plus1pm.route(answerTopic), { ok: true });
  const ok = { id: request.id, src: 'shellyplus1pm-4417939341dc', dst: 'telemetry-hub/plus-1pm', result: { was_on: false } };
  assert.deepEqual(plus1pm.decode(answerTopic, buf(JSON.stringify(ok)), 0), {
    ok: true,
    value: [{ kind: 'answer', key: plan.answer, ok: true }],
  });
  const refused = { id: request.id, error: { code: -105, message: 'Argument id, value 3 not found!' } };
  assert.deepEqual(plus1pm.decode(answerTopic, buf(JSON.stringify(refused)), 0), {
    ok: true,
    value: [{ kind: 'answer', key: plan.answer, ok: false, error: 'Argument id, value 3 not found! (code -105)' }],
  });
});

test('Gen1: set {"relay.0": false} is off on relay/0/command, answered by relay/0 reporting off', () => {
  const { shelly1 } = sessions();
  assert.deepEqual(shelly1.command(command({ 'relay.0': false })), {
    ok: true,
    publishes: [{ topic: 'shellies/shelly1/relay/0/command', payload: 'off' }],
    answer: 'relay.0=0',
  });
});

test('commands a Shelly cannot take fail with the reason', () => {
  const { shelly1 } = sessions();
  const detail = (plan: ReturnType<typeof shelly1.command>) => (plan.ok ? 'planned' : plan.detail);
  assert.match(detail(shelly1.command(command({ 'relay.0': true }, 'reboot'))), /takes set/);
  assert.match(detail(shelly1.command(command({ 'relay.0': true, 'relay.1': true }))), /one switch/);
  assert.match(detail(shelly1.command(command({ 'relay.0': 0.5 }))), /true or false/);
  assert.match(detail(shelly1.command(command({ led: true }))), /not a Shelly switch/);
});

test('a component key that does not start with a letter still makes valid metric names', () => {
  const session = shellyDialect.open('fz-1', 'shellies/plus1pm');
  const payload = '{"src":"x","method":"NotifyStatus","params":{"ts":1661517421.44,"\uFFFDswitch:0":{"id":0,"aenergy":{"total":1.5}}}}';
  const decoded = session.decode('shellies/plus1pm/events/rpc', Buffer.from(payload), Date.now());
  assert.ok(decoded.ok);
  const names = decoded.value.flatMap((input) =>
    input.kind === 'readings'
      ? input.readings.map((r) => r.metric)
      : input.kind === 'meta'
        ? (input.meta.metrics ?? []).map((m) => m.name)
        : [],
  );
  assert.ok(names.length > 0);
  for (const name of names) assert.equal(checkMetricName(name), null, name);
});

test('Gen1 topics named like object properties are not fields', () => {
  const session = shellyDialect.open('fz-1', 'shellies/shelly1');
  for (const topic of ['shellies/shelly1/relay/0/constructor', 'shellies/shelly1/emeter/0/__proto__', 'shellies/shelly1/toString']) {
    const decoded = session.decode(topic, Buffer.from('1'), Date.now());
    const readings = decoded.ok
      ? decoded.value.filter((i) => i.kind === 'readings').flatMap((i) => (i.kind === 'readings' ? i.readings : []))
      : [];
    assert.deepEqual(readings, [], topic);
  }
});
