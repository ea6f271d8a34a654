// The Homie dialect session against every message of homie.jsonl (the Homie 4 and 5 convention
// examples and a real Homie 3.0.1 device's log, see homie.jsonl.source.md): what routes, what each
// message becomes for the hub, and what is refused with which reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS } from '../../../../../src/transports/mqtt/dialects/index.js';
import { feed, fixtureLines } from '../session-feed.js';
import { homieDialect } from '../../../../../src/transports/mqtt/dialects/homie/index.js';
import type { Command } from '../../../../../src/core/model.js';

const FIXTURE = fixtureLines('./homie.jsonl', import.meta.url);

const BASES = ['homie/super-car', 'homie/5/super-car', 'homie/5/kitchen-light', 'sknSensors/LocationName'];
const baseOf = (topic: string) => BASES.find((b) => topic.startsWith(`${b}/`))!;

const command = (params: Command['params'], action = 'set'): Command => ({
  id: 'c-1',
  deviceId: 'd-1',
  action,
  params,
  state: 'queued',
  createdAt: 1,
  updatedAt: 1,
  expiresAt: 30_001,
});

test('the broker speaks Homie; a device’s base is homie/<id>, homie/5/<id> or a base of its own', () => {
  assert.equal(DIALECTS.homie, homieDialect);
  assert.equal(homieDialect.defaultTopic('super-car'), 'homie/super-car');
  for (const base of BASES) assert.equal(homieDialect.checkTopic(base), null, base);
  for (const bad of ['homie', 'homie/5', 'homie/+', 'homie//x', 'homie/$broadcast', 'devices/x', 'homie/x/'])
    assert.notEqual(homieDialect.checkTopic(bad), null, bad);
});

test('every fixture message routes and decodes to what it says', () => {
  const sessions = new Map(BASES.map((base) => [base, homieDialect.open('d-1', base)]));
  const got = FIXTURE.map(({ topic, payload }) => [topic, feed(sessions.get(baseOf(topic))!, topic, payload)]);
  const s = 'sknSensors/LocationName';
  assert.deepEqual(got, [
    ['homie/super-car/$homie', []],
    ['homie/super-car/$name', ['meta {"name":"Super car"}']],
    ['homie/super-car/$nodes', []],
    ['homie/super-car/$implementation', ['meta {"firmware":"esp8266"}']],
    ['homie/super-car/$state', ['status online']],
    ['homie/5/super-car/$state', ['status online']],
    ['homie/5/super-car/engine/temperature', ['reading engine.temperature=21.5']],
    // Published by the controller (here: the hub), never by the device.
    ['homie/5/kitchen-light/light/power/set', 'hub_topic'],
    ['homie/5/kitchen-light/light/power', ['reading light.power=1']],
    [`${s}/$state`, ['status offline']],
    [`${s}/$state`, ['status online']],
    [`${s}/$homie`, []],
    [`${s}/$name`, ['meta {"name":"Environment Monitor"}']],
    [`${s}/$mac`, []],
    [`${s}/$localip`, []],
    [`${s}/$nodes`, []],
    [`${s}/$stats`, []],
    [`${s}/$stats/interval`, []],
    [`${s}/$fw/name`, ['meta {"firmware":"Environment-SHT31-RCWL0516"}']],
    [`${s}/$fw/version`, ['meta {"firmware":"Environment-SHT31-RCWL0516 1.0.3"}']],
    [`${s}/$fw/checksum`, []],
    [`${s}/$implementation`, ['meta {"firmware":"Environment-SHT31-RCWL0516 1.0.3"}']],
    [`${s}/$implementation/config`, []],
    [`${s}/$implementation/version`, ['meta {"firmware":"Environment-SHT31-RCWL0516 1.0.3"}']],
    [`${s}/$implementation/ota/enabled`, []],
    [`${s}/ambient/$name`, []],
    [`${s}/ambient/$type`, []],
    [`${s}/ambient/$properties`, []],
    [`${s}/ambient/humidity/$name`, []],
    [`${s}/ambient/humidity/$datatype`, ['meta {"metrics":[{"name":"ambient.humidity"}]}']],
    [`${s}/ambient/humidity/$unit`, ['meta {"metrics":[{"name":"ambient.humidity","unit":"%rH"}]}']],
    [`${s}/ambient/temperature/$name`, []],
    [`${s}/ambient/temperature/$datatype`, ['meta {"metrics":[{"name":"ambient.temperature"}]}']],
    [`${s}/ambient/temperature/$unit`, ['meta {"metrics":[{"name":"ambient.temperature","unit":"°F"}]}']],
    [`${s}/presence/$name`, []],
    [`${s}/presence/$type`, []],
    [`${s}/presence/$properties`, []],
    [`${s}/presence/motion/$name`, []],
    // An enum is shown as a metric once its format says it is a two-state one.
    [`${s}/presence/motion/$datatype`, []],
    [`${s}/presence/motion/$format`, ['meta {"metrics":[{"name":"presence.motion"}]}']],
    [`${s}/$state`, ['status online']],
    [`${s}/ambient/temperature`, ['reading ambient.temperature=56.98']],
    [`${s}/ambient/humidity`, ['reading ambient.humidity=30.18']],
    // The enum OPEN,ClOSED: "Open" (any case) is 1, "closed" 0.
    [`${s}/presence/motion`, ['reading presence.motion=1']],
    [`${s}/$stats/interval`, []],
    [`${s}/$stats/signal`, []],
    [`${s}/$stats/uptime`, []],
  ]);
});

test('the other $state values: sleeping and disconnected are offline, alert online; anything else is refused', () => {
  const session = homieDialect.open('d-1', 'homie/super-car');
  assert.deepEqual(feed(session, 'homie/super-car/$state', 'sleeping'), ['status offline']);
  assert.deepEqual(feed(session, 'homie/super-car/$state', 'disconnected'), ['status offline']);
  assert.deepEqual(feed(session, 'homie/super-car/$state', 'alert'), ['status online']);
  assert.match(String(feed(session, 'homie/super-car/$state', 'asleep')), /^bad_status: \$state must be one of init, ready/);
  // A cleared retained attribute (empty payload) carries nothing.
  assert.deepEqual(feed(session, 'homie/super-car/$state', ''), []);
});

test('topics outside the base, command topics and shapes Homie has not are refused with their code', () => {
  const session = homieDialect.open('d-1', 'sknSensors/LocationName');
  assert.equal(feed(session, 'sknSensors/Other/$state', 'ready'), 'foreign_topic');
  assert.equal(feed(session, 'homie/LocationName/$state', 'ready'), 'foreign_topic');
  assert.equal(feed(session, 'sknSensors/$broadcast/alert', 'x'), 'foreign_topic');
  assert.equal(feed(session, 'sknSensors/LocationName/ambient/temperature/set', '1'), 'hub_topic');
  assert.equal(feed(session, 'sknSensors/LocationName/ambient', '1'), 'bad_topic');
  assert.equal(feed(session, 'sknSensors/LocationName/a/b/c/d', '1'), 'bad_topic');
  assert.equal(feed(session, 'sknSensors/LocationName/a//c', '1'), 'bad_topic');
  // Homie 5 extras under the base route and carry nothing for the hub.
  assert.deepEqual(feed(session, 'sknSensors/LocationName/ambient/temperature/$target', '20'), []);
  assert.deepEqual(feed(session, 'sknSensors/LocationName/$log/warn', 'low battery'), []);
});

test('values that are not numbers are refused one by one with the reason; the datatype decides', () => {
  const session = homieDialect.open('d-1', 'homie/5/lamp');
  const p = (path: string, payload: string) => feed(session, `homie/5/lamp/${path}`, payload);
  p('light/power/$datatype', 'boolean');
  assert.deepEqual(p('light/power', 'false'), ['reading light.power=0']);
  assert.deepEqual(p('light/power', 'on'), ['refused light.power: value "on" of a boolean property is not true or false']);
  p('light/level/$datatype', 'integer');
  assert.deepEqual(p('light/level', 'high'), ['refused light.level: value "high" is not a number (its $datatype is integer)']);
  p('light/color/$datatype', 'color');
  assert.deepEqual(p('light/color', '255,0,0'), [
    'refused light.color: color value "255,0,0" is not stored: the hub keeps numbers and on/off-like states',
  ]);
  p('light/scene/$datatype', 'enum');
  p('light/scene/$format', 'relax,read');
  assert.deepEqual(p('light/scene', 'relax'), [
    'refused light.scene: enum value "relax" is not stored: the hub keeps numbers and on/off-like states',
  ]);
  p('door/state/$datatype', 'string');
  assert.deepEqual(p('door/state', 'CLOSED'), ['reading door.state=0']);
  assert.match(String(p('light/power/$datatype', 'bool')), /^bad_meta: \$datatype must be one of integer, float/);
  assert.match(String(p('light/power/$settable', 'yes')), /^bad_meta: \$settable must be true or false/);
});

test('settable properties become actuators: a boolean a relay, a number with a range a pwm output', () => {
  const session = homieDialect.open('d-1', 'homie/lamp');
  const p = (path: string, payload: string) => feed(session, `homie/lamp/${path}`, payload);
  p('light/power/$datatype', 'boolean');
  assert.deepEqual(p('light/power/$settable', 'true'), [
    'meta {"metrics":[{"name":"light.power"}],"actuators":[{"name":"light.power","type":"relay"}]}',
  ]);
  p('light/level/$datatype', 'integer');
  p('light/level/$settable', 'true');
  assert.deepEqual(p('light/level/$format', '0:100'), [
    'meta {"metrics":[{"name":"light.level"}],"actuators":[{"name":"light.level","type":"pwm"},{"name":"light.power","type":"relay"}]}',
  ]);
  // The value of a settable property also answers the commands that asked for it.
  assert.deepEqual(p('light/power', 'true'), ['reading light.power=1', 'answer light.power=1']);
});

test('Homie 5 $description: name, metrics with units and actuators at once; a bad one is refused with where', () => {
  const session = homieDialect.open('d-1', 'homie/5/kitchen-light');
  // In the form of the Homie 5 convention's $description (homieiot/convention, develop).
  const description = {
    homie: '5.0',
    version: 7,
    name: 'Kitchen light',
    nodes: {
      light: {
        name: 'Light',
        properties: {
          power: { name: 'Power', datatype: 'boolean', settable: true, retained: true },
          brightness: { datatype: 'integer', settable: true, unit: '%', format: '0:100' },
          temperature: { datatype: 'float', unit: '°C' },
        },
      },
    },
  };
  assert.deepEqual(feed(session, 'homie/5/kitchen-light/$description', JSON.stringify(description)), [
    `meta ${JSON.stringify({
      name: 'Kitchen light',
      metrics: [{ name: 'light.power' }, { name: 'light.brightness', unit: '%' }, { name: 'light.temperature', unit: '°C' }],
      actuators: [
        { name: 'light.brightness', type: 'pwm' },
        { name: 'light.power', type: 'relay' },
      ],
    })}`,
  ]);
  assert.match(String(feed(session, 'homie/5/kitchen-light/$description', '{"name":')), /^bad_meta: \$description is not JSON/);
  const wrong = { nodes: { light: { properties: { power: { datatype: 'bit' } } } } };
  assert.match(
    String(feed(session, 'homie/5/kitchen-light/$description', JSON.stringify(wrong))),
    /^bad_meta: \$description\.nodes\.light/,
  );
});

test('a set command goes to <base>/<node>/<prop>/set as the fixture’s controller sends it, answered by the new value', () => {
  const session = homieDialect.open('d-1', 'homie/5/kitchen-light');
  const [set, echo] = FIXTURE.filter((line) => line.topic.startsWith('homie/5/kitchen-light/'));
  const plan = session.command(command({ 'light.power': true }));
  assert.deepEqual(plan, { ok: true, publishes: [{ topic: set.topic, payload: set.payload }], answer: 'light.power=1' });
  // Not yet described as settable, but commanded: its new value answers.
  assert.deepEqual(feed(session, echo.topic, echo.payload), ['reading light.power=1', 'answer light.power=1']);
  assert.deepEqual(session.command(command({ 'light.level': 40 })), {
    ok: true,
    publishes: [{ topic: 'homie/5/kitchen-light/light/level/set', payload: '40' }],
    answer: 'light.level=40',
  });
});

test('commands the property cannot take are refused with the reason', () => {
  const session = homieDialect.open('d-1', 'homie/lamp');
  const p = (path: string, payload: string) => feed(session, `homie/lamp/${path}`, payload);
  p('light/level/$datatype', 'integer');
  p('light/level/$format', '0:100');
  p('light/level/$settable', 'true');
  p('sensor/temperature/$datatype', 'float');
  p('sensor/temperature/$settable', 'false');
  p('door/lock/$datatype', 'enum');
  p('door/lock/$format', 'LOCKED,UNLOCKED');
  p('door/lock/$settable', 'true');
  p('fan/power/$datatype', 'enum');
  p('fan/power/$format', 'ON,OFF');
  p('fan/power/$settable', 'true');
  const detail = (params: Command['params'], action?: string) => {
    const plan = session.command(command(params, action));
    return plan.ok ? plan.publishes.map((x) => `${x.topic} ${x.payload}`).join() : plan.detail;
  };
  assert.equal(detail({ 'light.level': 120 }), '120 is outside the range 0:100 of light.level');
  assert.equal(detail({ 'light.level': 2.5 }), 'light.level takes whole numbers, not 2.5');
  assert.equal(detail({ 'sensor.temperature': 20 }), 'sensor.temperature is not settable (its $settable is false)');
  assert.equal(detail({ 'door.lock': true }), 'door.lock is an enum of LOCKED,UNLOCKED; only on/off enums can be set');
  assert.equal(detail({ 'fan.power': true }), 'homie/lamp/fan/power/set ON');
  assert.match(detail({ 'light.level': 1, 'fan.power': true }), /one property/);
  assert.match(detail({ 'light.level': 1 }, 'reboot'), /one property/);
  assert.match(detail({ 'light.level': 'high' }), /true, false or a number/);
  assert.match(detail({ Light: true }), /names no property/);
});

test('a device subscribes to its command topics, the broadcasts and its implementation’s topics only', () => {
  const v4 = homieDialect.open('d-1', 'homie/super-car');
  for (const filter of ['homie/super-car/+/+/set', 'homie/super-car/lights/+/set', 'homie/$broadcast/#'])
    assert.equal(v4.maySubscribe(filter), true, filter);
  for (const filter of ['homie/#', 'homie/super-car/#', 'homie/other/+/+/set', 'homie/super-car/+/+/+', 'homie/5/$broadcast/#'])
    assert.equal(v4.maySubscribe(filter), false, filter);
  assert.deepEqual(v4.subscribed('homie/super-car/+/+/set'), { resume: false, commands: true });
  assert.deepEqual(v4.subscribed('homie/$broadcast/#'), { resume: false, commands: false });
  const v5 = homieDialect.open('d-1', 'homie/5/super-car');
  assert.equal(v5.maySubscribe('homie/5/$broadcast/#'), true);
  assert.equal(v5.maySubscribe('homie/$broadcast/#'), false);
  const v3 = homieDialect.open('d-1', 'sknSensors/LocationName');
  for (const filter of [
    'sknSensors/$broadcast/+',
    'sknSensors/LocationName/$implementation/config/set',
    'sknSensors/LocationName/$implementation/ota/firmware/#',
  ])
    assert.equal(v3.maySubscribe(filter), true, filter);
});

test('a $state named like an object property (valueOf, constructor) is refused, not taken for a state', () => {
  const session = homieDialect.open('fz-1', 'sknSensors/LocationName');
  for (const state of ['valueOf', 'constructor', '__proto__', 'toString']) {
    const decoded = session.decode('sknSensors/LocationName/$state', Buffer.from(state), Date.now());
    assert.ok(!decoded.ok && decoded.code === 'bad_status', state);
  }
});
