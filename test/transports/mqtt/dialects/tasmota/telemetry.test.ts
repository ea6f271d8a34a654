// The Tasmota session reading what a device publishes: the SENSOR fixtures from Home Assistant's
// tests (tasmota.jsonl, see tasmota.source.md) and messages written here in the formats of
// Tasmota's documentation, each saying which page it follows.
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import assert from 'node:assert/strict';
// The registry first: a dialect module imports stateKey from it.
import { DIALECTS, type DialectInput } from '../../../../../src/transports/mqtt/dialects/index.js';
import { tasmotaDialect } from '../../../../../src/transports/mqtt/dialects/tasmota/index.js';

const TOPIC = 'tasmota_49A3BC';
const fixtures = readFileSync(new URL('./tasmota.jsonl', import.meta.url), 'utf8')
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line) as { topic: string; payload: string; source_asserts: Record<string, { state: string }> });

const open = () => tasmotaDialect.open('plug-1', TOPIC);

function decode(session: ReturnType<typeof open>, topic: string, payload: string): DialectInput[] {
  assert.deepEqual(session.route(topic), { ok: true }, topic);
  const decoded = session.decode(topic, Buffer.from(payload), 0);
  assert.ok(decoded.ok, `${topic}: ${decoded.ok ? '' : decoded.detail}`);
  return decoded.value;
}

const pick = <K extends DialectInput['kind']>(inputs: DialectInput[], kind: K) =>
  inputs.filter((i): i is Extract<DialectInput, { kind: K }> => i.kind === kind);
const values = (inputs: DialectInput[]) =>
  Object.fromEntries(pick(inputs, 'readings').flatMap((r) => r.readings.map((reading) => [reading.metric, reading.value])));
const units = (inputs: DialectInput[]) =>
  Object.fromEntries(pick(inputs, 'meta').flatMap((m) => (m.meta.metrics ?? []).map((metric) => [metric.name, metric.unit])));

test('the broker speaks the Tasmota dialect', () => {
  assert.equal(DIALECTS.tasmota, tasmotaDialect);
  assert.equal(tasmotaDialect.defaultTopic('plug-1'), 'plug-1');
  assert.equal(tasmotaDialect.checkTopic(TOPIC), null);
  for (const bad of ['', 'a/b', 'a+', 'a#', 'a b', '%topic%', 'tele', 'cmnd', 'tasmotas', 'x'.repeat(101)]) {
    assert.ok(tasmotaDialect.checkTopic(bad), `${JSON.stringify(bad)} is refused`);
  }
});

test('the Home Assistant fixtures decode to the values it asserts, with Tasmota units and no device time', () => {
  const session = open();
  const [total, tariffs] = fixtures;
  const first = decode(session, total.topic, total.payload);
  assert.deepEqual(values(first), { 'energy.total': Number(total.source_asserts['sensor.tasmota_energy_total'].state) });
  assert.deepEqual(units(first), { 'energy.total': 'kWh' }, 'TotalStartTime is a date, not a reading');
  assert.equal(
    pick(first, 'readings')[0].readings.every((r) => r.ts === undefined),
    true,
  );
  const second = decode(session, tariffs.topic, tariffs.payload);
  assert.deepEqual(values(second), {
    'energy.totaltariff.0': Number(tariffs.source_asserts['sensor.tasmota_energy_totaltariff_0'].state),
    'energy.totaltariff.1': Number(tariffs.source_asserts['sensor.tasmota_energy_totaltariff_1'].state),
  });
  // Home Assistant shows no unit for the tariffs (its map lacks TotalTariff); Tasmota's energy
  // driver reports them in kWh like Total.
  assert.deepEqual(units(second), { 'energy.totaltariff.0': 'kWh', 'energy.totaltariff.1': 'kWh' });
  const again = decode(session, total.topic, total.payload);
  assert.equal(pick(again, 'meta').length, 0, 'units are announced once');
});

test('nested sensors flatten to lowercase dotted names; descriptive text is skipped, the rest refused', () => {
  // Written after docs/MQTT.md (`tele/tasmota/SENSOR {"Time":…, "DS18B20":{"Temperature":20.6}}`)
  // and the energy and sensor fields Tasmota documents; TempUnit F as set by SetOption8.
  const payload = JSON.stringify({
    Time: '2024-05-01T10:00:00',
    DS18B20: { Id: '0119123F8828', Temperature: 70.1 },
    BME280: { Temperature: 69.8, Humidity: 41.2, DewPoint: 45.1, Pressure: 1013.2 },
    ENERGY: { Power: 5, ApparentPower: 7.8, ReactivePower: -7.2, Factor: 0.39, Voltage: 234.3, Current: 0.039, Today: 0.002 },
    PMS5003: { 'PM2.5': 4 },
    Switch1: 'ON',
    SR04: { Distance: null },
    Weird: { Mode: 'auto' },
    TempUnit: 'F',
  });
  const inputs = decode(open(), 'tele/tasmota_49A3BC/SENSOR', payload);
  assert.deepEqual(values(inputs), {
    'ds18b20.temperature': 70.1,
    'bme280.temperature': 69.8,
    'bme280.humidity': 41.2,
    'bme280.dewpoint': 45.1,
    'bme280.pressure': 1013.2,
    'energy.power': 5,
    'energy.apparentpower': 7.8,
    'energy.reactivepower': -7.2,
    'energy.factor': 0.39,
    'energy.voltage': 234.3,
    'energy.current': 0.039,
    'energy.today': 0.002,
    'pms5003.pm2_5': 4,
    switch1: 1,
  });
  assert.deepEqual(units(inputs), {
    'ds18b20.temperature': '°F',
    'bme280.temperature': '°F',
    'bme280.humidity': '%',
    'bme280.dewpoint': '°F',
    'bme280.pressure': 'hPa',
    'energy.power': 'W',
    'energy.apparentpower': 'VA',
    'energy.reactivepower': 'var',
    'energy.voltage': 'V',
    'energy.current': 'A',
    'energy.today': 'kWh',
    'pms5003.pm2_5': 'µg/m³',
  });
  assert.deepEqual(
    pick(inputs, 'readings')[0].refused.map((r) => r.metric),
    ['sr04.distance', 'weird.mode'],
  );
});

test('STATE gives relays, uptime and Wi-Fi; a relay becomes an actuator the first time it reports', () => {
  // Written after the tele/tasmota/STATE examples in Tasmota's documentation (docs/ADC.md,
  // TelePeriod telemetry), with two relays as a Sonoff Dual reports them (docs/MQTT.md: POWER<x>).
  const state = (one: string, two: string) =>
    JSON.stringify({
      Time: '2024-05-01T10:00:00',
      Uptime: '0T18:36:12',
      UptimeSec: 66972,
      Heap: 28,
      POWER1: one,
      POWER2: two,
      Wifi: { AP: 1, SSId: 'Tasmota', RSSI: 100, Signal: -46, LinkCount: 1 },
    });
  const session = open();
  const first = decode(session, 'tele/tasmota_49A3BC/STATE', state('ON', 'OFF'));
  assert.deepEqual(values(first), { power1: 1, power2: 0, uptime: 66972, 'wifi.rssi': 100, 'wifi.signal': -46 });
  assert.deepEqual(units(first), { uptime: 's', 'wifi.rssi': '%', 'wifi.signal': 'dBm' });
  assert.deepEqual(pick(first, 'meta')[0].meta.actuators, [
    { name: 'power1', type: 'relay' },
    { name: 'power2', type: 'relay' },
  ]);
  assert.deepEqual(
    pick(first, 'answer').map((a) => a.key),
    ['power1=1', 'power2=0'],
  );
  const second = decode(session, 'tele/tasmota_49A3BC/STATE', state('OFF', 'OFF'));
  assert.equal(pick(second, 'meta').length, 0, 'no new relay, no new unit');
  assert.deepEqual(values(second), { power1: 0, power2: 0, uptime: 66972, 'wifi.rssi': 100, 'wifi.signal': -46 });
  const odd = decode(session, 'tele/tasmota_49A3BC/STATE', JSON.stringify({ POWER1: 'BLINK', UptimeSec: 'soon' }));
  assert.deepEqual(
    pick(odd, 'readings')[0].refused.map((r) => r.metric),
    ['power1', 'uptime'],
  );
});

test('LWT Online and Offline are presence; other text is refused', () => {
  // docs/MQTT.md and Tasmota's MqttConnected: LWT "Online" on connect, "Offline" as the last will.
  const session = open();
  assert.deepEqual(decode(session, 'tele/tasmota_49A3BC/LWT', 'Online'), [{ kind: 'status', status: 'online' }]);
  assert.deepEqual(decode(session, 'tasmota_49A3BC/tele/LWT', 'Offline'), [{ kind: 'status', status: 'offline' }]);
  const bad = session.decode('tele/tasmota_49A3BC/LWT', Buffer.from('maybe'), 0);
  assert.ok(!bad.ok && bad.code === 'bad_status');
});

test('INFO1 and the own discovery config tell the firmware and name; other info topics decode to nothing', () => {
  const session = open();
  // The INFO1 logged in Tasmota's AWS IoT documentation (flat, before 9.x) and its later {"Info1":{…}} form.
  const flat = '{"Module":"Sonoff Basic","Version":"6.5.0.14(sonoff)","FallbackTopic":"DVES_67B1E9","GroupTopic":"sonoffs"}';
  assert.deepEqual(decode(session, 'tele/tasmota_49A3BC/INFO1', flat), [{ kind: 'meta', meta: { firmware: '6.5.0.14(sonoff)' } }]);
  const nested =
    '{"Info1":{"Module":"Sonoff Basic","Version":"13.2.0(release-tasmota)","FallbackTopic":"cmnd/DVES_49A3BC_fb/","GroupTopic":"cmnd/tasmotas/"}}';
  assert.deepEqual(decode(session, 'tele/tasmota_49A3BC/INFO1', nested), [{ kind: 'meta', meta: { firmware: '13.2.0(release-tasmota)' } }]);
  for (const topic of [
    'tele/tasmota_49A3BC/INFO2',
    'tele/tasmota_49A3BC/HASS_STATE',
    'stat/tasmota_49A3BC/UPGRADE',
    'stat/tasmota_49A3BC/STATUS5',
  ]) {
    assert.deepEqual(decode(session, topic, '{"Anything":1}'), [], topic);
  }
  // The discovery config of Home Assistant's tests (test_common.py DEFAULT_CONFIG, trimmed).
  const config = {
    dn: 'Kitchen plug',
    mac: '00000049A3BC',
    sw: '8.4.0.2',
    t: TOPIC,
    ft: '%topic%/%prefix%/',
    tp: ['cmnd', 'stat', 'tele'],
  };
  assert.deepEqual(decode(session, 'tasmota/discovery/00000049A3BC/config', JSON.stringify(config)), [
    { kind: 'meta', meta: { name: 'Kitchen plug', firmware: '8.4.0.2' } },
  ]);
  assert.deepEqual(decode(session, 'tasmota/discovery/00000049A3BD/config', JSON.stringify({ ...config, t: 'another' })), []);
  assert.deepEqual(decode(session, 'tasmota/discovery/00000049A3BC/sensors', '{"sn":{"Time":"x"},"ver":1}'), []);
  assert.deepEqual(decode(session, 'tasmota/discovery/00000049A3BC/config', ''), []);
  const invalid = session.decode('tasmota/discovery/00000049A3BC/config', Buffer.from('{"dn":"no topic"}'), 0);
  assert.ok(!invalid.ok && invalid.code === 'bad_meta');
});

test('an unreadable payload is refused as malformed', () => {
  const session = open();
  for (const payload of ['{"ENERGY":', '[1,2]', '42']) {
    const decoded = session.decode('tele/tasmota_49A3BC/SENSOR', Buffer.from(payload), 0);
    assert.ok(!decoded.ok && decoded.code === 'malformed', payload);
  }
  const deep = session.decode('tele/tasmota_49A3BC/SENSOR', Buffer.from(`{"a":${'{"b":'.repeat(20)}1${'}'.repeat(21)}`), 0);
  assert.ok(deep.ok);
  assert.match(pick(deep.value, 'readings')[0].refused[0].detail, /nested deeper/);
});
