// The line session in a real hub, with the test itself on the device end of a socat pty pair
// speaking the protocol byte for byte: this is where malformed and hostile input is written,
// which the firmware in the simulator would never send.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import type { Command } from '../../../../src/core/model.js';
import { encodeFrame } from '../../../../src/transports/serial/line/framing.js';
import { getJson, startHub, waitFor, type TestHub } from '../../../helpers/hub.js';
import { createPtyPair, type PtyPair } from '../../../helpers/pty.js';
import { teardown } from '../../../helpers/teardown.js';

const DEVICE = 'bench-7';

const HELLO = `hello ${DEVICE} proto=1 fw=bench-2 iv=500 m=temperature:°C,rpm: a=valve:relay,fan:pwm`;

describe('line session with a scripted device on a pty', () => {
  let pty: PtyPair;
  let twinPty: PtyPair;
  let hub: TestHub;
  let port: SerialPort;
  const heard: string[] = [];
  let partial = '';

  before(async () => {
    pty = await createPtyPair();
    twinPty = await createPtyPair();
    port = new SerialPort({ path: pty.devicePath, baudRate: 115200, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
    port.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      heard.push(...lines);
    });
    const devicesFile = join(pty.dir, 'devices.yml');
    writeFileSync(
      devicesFile,
      [
        'devices:',
        `  - { transport: line, name: Bench sensor, port: ${pty.hubPath} }`,
        `  - { transport: line, port: ${twinPty.hubPath} }`,
      ].join('\n'),
    );
    hub = await startHub({ devicesFile });
  });

  after(async () => {
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
    await hub?.stop();
    await pty?.close();
    await twinPty?.close();
  });

  const write = (bytes: Buffer | string) =>
    new Promise<void>((resolve, reject) => port.write(bytes, (err) => (err ? reject(err) : port.drain(() => resolve()))));
  const send = (body: string) => write(encodeFrame(body));
  /** The next hub frame (body without checksum) matching `pattern` after index `since`. */
  const hear = (pattern: RegExp, since = 0) =>
    waitFor(`hub frame ${pattern}`, () =>
      heard
        .slice(since)
        .map((l) => l.replace(/\*[0-9A-F]{2}$/, ''))
        .find((b) => pattern.test(b)),
    );
  const refusedCount = async (reason: string) => {
    const text = await (await fetch(`${hub.url}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`hub_frames_rejected_total{transport="line",reason="${reason}"}`));
    return line ? Number(line.split(' ').at(-1)) : 0;
  };
  const stored = async (metric: string) => {
    const q = `metric=${metric}&from=${Date.now() - 600_000}&to=${Date.now() + 60_000}`;
    return (await getJson(`${hub.url}/api/devices/${DEVICE}/readings?${q}`)).body.readings as Array<{ value: number; ts: number }>;
  };

  it('asks for a hello when the port opens and when telemetry comes first', async () => {
    await hear(/^hi$/);
    const since = heard.length;
    await new Promise((r) => setTimeout(r, 600)); // past the hub's pause between two "hi"
    await send('t 0 0 temperature=21.5');
    await hear(/^hi$/, since);
    assert.equal(await refusedCount('before_hello'), 1);
    assert.equal(hub.hub.devices.get(DEVICE), undefined, 'nothing is registered before a hello');
  });

  it('welcomes a hello, stores telemetry with the device age and acks after persisting', async () => {
    await send(HELLO);
    await hear(/^welcome -$/);
    const device = hub.hub.devices.get(DEVICE)!;
    assert.equal(device.name, 'Bench sensor');
    assert.equal(device.presence, 'online');
    assert.deepEqual(device.metrics, [{ name: 'temperature', unit: '°C' }, { name: 'rpm' }]);
    const before = Date.now();
    await send('t 0 2000 temperature=21.5 rpm=900');
    await send('t 1 1000 temperature=21.75 rpm=950');
    await send('t 2 0 temperature=22 rpm=1000');
    await hear(/^h 2$/);
    const temperatures = await stored('temperature');
    assert.deepEqual(
      temperatures.map((r) => r.value),
      [21.5, 21.75, 22],
    );
    assert.ok(temperatures[0].ts <= before - 1900 && temperatures[0].ts >= before - 3000, 'the age dates the sample back');
  });

  it('refuses malformed frames, counts them, answers err and carries on', async () => {
    const since = heard.length;
    const good = encodeFrame('t 3 0 temperature=23');
    const corrupted = Buffer.from(good);
    corrupted[6] = 0x39; // a digit flipped on the wire
    await write(corrupted);
    await write('t 3 0 temperature=23\n'); // no checksum at all
    await send('zap 1 2 3');
    await send('t three 0 temperature=23');
    await send('t 3 0 temperature=warm');
    await send('hello other proto=9');
    await write(Buffer.concat([Buffer.alloc(400, 0x55), Buffer.from('\n')]));
    await write(Buffer.from([0x00, 0xff, 0x13, 0x80, 0x0a]));
    await waitFor('eight err frames', () => heard.slice(since).filter((l) => l.startsWith('err ')).length >= 8);
    assert.equal(await refusedCount('checksum'), 1);
    assert.equal(await refusedCount('no_checksum'), 2);
    assert.equal(await refusedCount('unknown_type'), 1);
    assert.equal(await refusedCount('bad_field'), 2);
    assert.equal(await refusedCount('protocol'), 1);
    assert.equal(await refusedCount('too_long'), 1);
    await send('t 3 0 temperature=23 rpm=1100');
    await hear(/^h 3$/, since);
    assert.deepEqual(
      (await stored('temperature')).map((r) => r.value),
      [21.5, 21.75, 22, 23],
      'only the intact frame was stored',
    );
  });

  it('drops a resent frame but acks it again', async () => {
    const since = heard.length;
    await send('t 1 1000 temperature=99');
    await hear(/^h 3$/, since);
    assert.equal((await stored('temperature')).length, 4);
  });

  it('holds back a frame that skips one lost on the line and asks for a resend', async () => {
    const since = heard.length;
    await send('t 5 0 temperature=25 rpm=1'); // seq 4 was lost on the line
    // Asked with `hi`: the welcome answering the hello echoes its boot id, so a board that reset
    // meanwhile cannot take it for its own.
    await hear(/^hi$/, since);
    assert.equal(await refusedCount('gap'), 1);
    await send(`${HELLO} boot=7`);
    await hear(/^welcome 3 iv=500 boot=7$|^welcome 3 boot=7$/, since);
    await send('t 4 200 temperature=24 rpm=1'); // the resend: each sample keeps its own age
    await send('t 5 100 temperature=25 rpm=1');
    await hear(/^h 5$/, since);
    assert.deepEqual(
      (await stored('temperature')).map((r) => r.value),
      [21.5, 21.75, 22, 23, 24, 25],
    );
    assert.equal(hub.hub.streams.gapsSkipped, 0);

    // A device whose ring overflowed says so: its oldest sample is 7. Only then is the gap accepted.
    const later = heard.length;
    await send('t 7 0 temperature=27 rpm=1');
    await hear(/^hi$/, later);
    await send(`${HELLO} boot=7`);
    await hear(/^welcome 5( iv=500)? boot=7$/, later);
    await send('t 7 0 temperature=27 rpm=1');
    await send('hb 9000 1 1 7');
    await send('t 7 0 temperature=27 rpm=1');
    await hear(/^h 7$/, later);
    assert.deepEqual((await stored('temperature')).map((r) => r.value).slice(-2), [25, 27]);
    assert.equal(hub.hub.streams.gapsSkipped, 1, 'the ledger counts the accepted gap');
  });

  it('sends open commands again when the device reports a damaged frame', async () => {
    const open = await hub.hub.commands.create({ deviceId: DEVICE, action: 'set', params: { valve: true }, timeoutMs: 5_000 });
    const since = heard.length;
    await hear(new RegExp(`^cmd ${open.id} `));
    await send('err damaged frame');
    await hear(new RegExp(`^cmd ${open.id} set valve=1$`), since);
    await send(`cack ${open.id} ok`);
    await waitFor('acked', () => hub.hub.commands.get(open.id) === undefined);
  });

  it('carries commands to the device and its answers back', async () => {
    const settled = (id: string) =>
      new Promise<Command>((resolve) => {
        const off = hub.hub.bus.on('command', (c) => {
          if (c.id === id && ['acked', 'failed', 'expired'].includes(c.state)) {
            off();
            resolve(c);
          }
        });
      });
    const since = heard.length;
    const open = await hub.hub.commands.create({ deviceId: DEVICE, action: 'set', params: { valve: true, fan: 200 }, timeoutMs: 5_000 });
    const done = settled(open.id);
    await hear(new RegExp(`^cmd ${open.id} set valve=1 fan=200$`), since);
    await send(`cack ${open.id} ok`);
    assert.equal((await done).state, 'acked');

    const stuck = await hub.hub.commands.create({ deviceId: DEVICE, action: 'set', params: { valve: false }, timeoutMs: 5_000 });
    const stuckDone = settled(stuck.id);
    await hear(new RegExp(`^cmd ${stuck.id} set valve=0$`), since);
    await send(`cack ${stuck.id} err valve stuck open`);
    const failed = await stuckDone;
    assert.equal(failed.state, 'failed');
    assert.equal(failed.error, 'valve stuck open');

    const wrong = await hub.hub.commands.create({ deviceId: DEVICE, action: 'set', params: { fan: 300 }, timeoutMs: 5_000 });
    assert.equal(wrong.state, 'failed', 'refused by the hub without going on the wire');
    assert.match(wrong.error ?? '', /0-255/);
  });

  it('a heartbeat brings a silent device back online', async () => {
    // The hello declared iv=500: silent for three intervals, the device turns stale.
    await waitFor('bench-7 stale', () => hub.hub.devices.get(DEVICE)?.presence === 'stale', 5_000);
    await send('hb 60000 0 0');
    await waitFor('bench-7 online', () => hub.hub.devices.get(DEVICE)?.presence === 'online');
    assert.equal(await refusedCount('bad_field'), 2, 'heartbeats are well-formed frames');
  });

  it('refuses a second board announcing an id already served on another port', async (t) => {
    const twin = new SerialPort({ path: twinPty.devicePath, baudRate: 115200, autoOpen: false });
    await new Promise<void>((resolve, reject) => twin.open((err) => (err ? reject(err) : resolve())));
    teardown(t, () => new Promise<void>((resolve) => twin.close(() => resolve())));
    let answer = '';
    twin.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    await new Promise<void>((resolve) => twin.write(encodeFrame(`hello ${DEVICE} proto=1`), () => resolve()));
    await waitFor('an err answer', () => answer.includes('err id_in_use'));
    assert.equal(await refusedCount('id_in_use'), 1);
    assert.equal(hub.hub.devices.get(DEVICE)?.name, 'Bench sensor', 'the first board keeps its device');
  });

  it('a board swapped in on the same port takes over: the old device goes offline, the new one is welcomed', async () => {
    const since = heard.length;
    await send('hello bench-8 proto=1 m=temperature:°C');
    await hear(/^welcome -$/, since);
    await waitFor('bench-8 online', () => hub.hub.devices.get('bench-8')?.presence === 'online');
    const old = (await getJson(`${hub.url}/api/devices/${DEVICE}`)).body;
    assert.equal(old.device.presence, 'offline', 'nothing talks to the old device any more');
    assert.ok(
      old.presenceHistory.some(
        (p: { state: string; reason: string }) => p.state === 'offline' && /serial port now serves bench-8/.test(p.reason),
      ),
      JSON.stringify(old.presenceHistory),
    );
    await send('t 0 0 temperature=30');
    await hear(/^h 0$/, since);
    assert.equal((await stored('temperature')).length, 7, "the new board's readings are not stored under the old id");
  });
});
