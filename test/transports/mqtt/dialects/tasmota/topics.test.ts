// The Tasmota session's topics and commands: what a device may publish and subscribe to, the
// order of its FullTopic, and a relay switched by POWER and answered on stat/RESULT and stat/POWER
// (the command flow of Tasmota's docs/MQTT.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Command } from '../../../../../src/core/model.js';
// Through the registry: a dialect module imports stateKey from it, so the registry loads first.
import { DIALECTS, type DialectInput } from '../../../../../src/transports/mqtt/dialects/index.js';

const TOPIC = 'tasmota_49A3BC';
const open = () => DIALECTS.tasmota!.open('plug-1', TOPIC);

const code = (session: ReturnType<typeof open>, topic: string) => {
  const route = session.route(topic);
  return route.ok ? 'ok' : route.code;
};

const command = (params: Record<string, unknown>, action = 'set'): Command => ({
  id: 'c-1',
  deviceId: 'plug-1',
  action,
  params,
  state: 'queued',
  createdAt: 1,
  updatedAt: 1,
  expiresAt: 30_001,
});

const decode = (session: ReturnType<typeof open>, topic: string, payload: string): DialectInput[] => {
  const decoded = session.decode(topic, Buffer.from(payload), 0);
  assert.ok(decoded.ok, topic);
  return decoded.value;
};

test('a device publishes in its own tree in either FullTopic order; other topics are refused with their code', () => {
  const session = open();
  for (const topic of [
    'tele/tasmota_49A3BC/SENSOR',
    'tasmota_49A3BC/tele/SENSOR',
    'stat/tasmota_49A3BC/RESULT',
    'tasmota_49A3BC/stat/POWER2',
    'tele/tasmota_49A3BC/INFO3',
    'cmnd/tasmota_49A3BC/POWER',
    'tasmota/discovery/00000049A3BC/config',
    'tasmota/discovery/00000049A3BC/sensors',
  ]) {
    assert.equal(code(session, topic), 'ok', topic);
  }
  assert.equal(code(session, 'tele/tasmota_000000/SENSOR'), 'foreign_topic');
  assert.equal(code(session, 'other/stat/RESULT'), 'foreign_topic');
  assert.equal(code(session, 'cmnd/tasmota_49A3BC/Restart'), 'hub_topic');
  assert.equal(code(session, 'cmnd/tasmotas/POWER'), 'hub_topic');
  assert.equal(code(session, 'tasmotas/cmnd/POWER'), 'hub_topic');
  assert.equal(code(session, 'devices/plug-1/telemetry'), 'bad_topic');
  assert.equal(code(session, 'tele/tasmota_49A3BC'), 'bad_topic');
  assert.equal(code(session, 'tele/tasmota_49A3BC/'), 'bad_topic');
  assert.equal(code(session, 'tasmota/discovery/nothex/config'), 'bad_topic');
  assert.equal(code(session, 'tasmota/discovery/00000049A3BC/other'), 'bad_topic');
});

test('the empty power query a Tasmota publishes on connecting is dropped; a real command from it is refused', () => {
  // Tasmota's MqttConnected publishes an empty cmnd/<topic>/POWER (unless SetOption90).
  const session = open();
  assert.deepEqual(decode(session, 'cmnd/tasmota_49A3BC/POWER', ''), []);
  const command = session.decode('cmnd/tasmota_49A3BC/POWER', Buffer.from('ON'), 0);
  assert.ok(!command.ok && command.code === 'hub_topic');
});

test('a device subscribes to its command, group and fallback topics only; its own command topic makes it ready', () => {
  const session = open();
  for (const filter of ['cmnd/tasmota_49A3BC/#', 'tasmota_49A3BC/cmnd/#', 'cmnd/tasmotas/#', 'tasmotas/cmnd/#', 'cmnd/DVES_49A3BC_fb/#']) {
    assert.equal(session.maySubscribe(filter), true, filter);
  }
  for (const filter of ['#', 'cmnd/+/#', 'cmnd/tasmota_000000/#', 'tele/tasmota_49A3BC/#', 'cmnd/a/b_fb/#', 'stat/DVES_49A3BC_fb/#']) {
    assert.equal(session.maySubscribe(filter), false, filter);
  }
  assert.deepEqual(session.subscribed('cmnd/tasmota_49A3BC/#'), { resume: false, commands: true });
  assert.deepEqual(session.subscribed('cmnd/tasmotas/#'), { resume: false, commands: false });
});

test('set {power} goes out as POWER ON/OFF in the order the device uses', () => {
  const session = open();
  assert.deepEqual(session.command(command({ power: true })), {
    ok: true,
    publishes: [{ topic: 'cmnd/tasmota_49A3BC/POWER', payload: 'ON' }],
    answer: 'power=1',
  });
  decode(session, 'tasmota_49A3BC/tele/LWT', 'Online');
  assert.deepEqual(session.command(command({ power2: false })), {
    ok: true,
    publishes: [{ topic: 'tasmota_49A3BC/cmnd/POWER2', payload: 'OFF' }],
    answer: 'power2=0',
  });
  session.subscribed('cmnd/tasmota_49A3BC/#');
  const plan = session.command(command({ power: 1 }));
  assert.ok(plan.ok && plan.publishes[0].topic === 'cmnd/tasmota_49A3BC/POWER');
  const config = { t: TOPIC, ft: '%topic%/%prefix%/' };
  decode(session, 'tasmota/discovery/00000049A3BC/config', JSON.stringify(config));
  const after = session.command(command({ power: 0 }));
  assert.ok(after.ok && after.publishes[0].topic === 'tasmota_49A3BC/cmnd/POWER' && after.publishes[0].payload === 'OFF');
});

test('commands a Tasmota relay cannot take fail with the reason', () => {
  const session = open();
  for (const [params, action] of [
    [{ power: true }, 'reboot'],
    [{ power: true, power2: true }, 'set'],
    [{}, 'set'],
    [{ relay: true }, 'set'],
    [{ power33: true }, 'set'],
    [{ power: 'on' }, 'set'],
    [{ power: 50 }, 'set'],
  ] as const) {
    const plan = session.command(command(params, action));
    assert.ok(!plan.ok, JSON.stringify([params, action]));
    assert.match(plan.detail, /set \{"power": true\|false\}/);
  }
});

test('stat/RESULT and stat/POWER both answer a switch; its state is read once', () => {
  // docs/MQTT.md, command flow: cmnd/tasmota_switch/Power TOGGLE ↳ stat/…/RESULT {"POWER":"ON"} ↳ stat/…/POWER ON.
  const session = open();
  const result = decode(session, 'stat/tasmota_49A3BC/RESULT', '{"POWER":"ON"}');
  assert.deepEqual(result, [
    { kind: 'meta', meta: { actuators: [{ name: 'power', type: 'relay' }] } },
    { kind: 'readings', readings: [{ metric: 'power', value: 1 }], refused: [] },
    { kind: 'answer', key: 'power=1', ok: true },
  ]);
  assert.deepEqual(decode(session, 'stat/tasmota_49A3BC/POWER', 'ON'), [{ kind: 'answer', key: 'power=1', ok: true }]);
  // The next switch, reported on POWER first this time, is read again.
  assert.deepEqual(decode(session, 'stat/tasmota_49A3BC/POWER', 'OFF'), [
    { kind: 'readings', readings: [{ metric: 'power', value: 0 }], refused: [] },
    { kind: 'answer', key: 'power=0', ok: true },
  ]);
  assert.deepEqual(decode(session, 'stat/tasmota_49A3BC/RESULT', '{"POWER":"OFF"}'), [{ kind: 'answer', key: 'power=0', ok: true }]);
  // A RESULT without a relay (another command's answer) carries nothing for the hub.
  assert.deepEqual(decode(session, 'stat/tasmota_49A3BC/RESULT', '{"Dimmer":50}'), []);
  const bad = decode(session, 'stat/tasmota_49A3BC/POWER', 'Blink ON');
  assert.equal(bad[0].kind === 'readings' && bad[0].refused[0].metric, 'power');
});

test('the answers to Status 10 and Status 11 are read as SENSOR and STATE', () => {
  // Formats of Tasmota's Status command (docs/Commands.md: Status 10 sensors, Status 11 state).
  const session = open();
  const sensors = decode(
    session,
    'stat/tasmota_49A3BC/STATUS10',
    '{"StatusSNS":{"Time":"2024-05-01T10:00:00","AM2301":{"Humidity":40.1}}}',
  );
  assert.deepEqual(
    sensors.flatMap((i) => (i.kind === 'readings' ? i.readings : [])),
    [{ metric: 'am2301.humidity', value: 40.1 }],
  );
  const state = decode(session, 'stat/tasmota_49A3BC/STATUS11', '{"StatusSTS":{"UptimeSec":12,"POWER":"OFF"}}');
  assert.deepEqual(
    state.flatMap((i) => (i.kind === 'readings' ? i.readings : [])),
    [
      { metric: 'power', value: 0 },
      { metric: 'uptime', value: 12 },
    ],
  );
});
