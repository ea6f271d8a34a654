// ReconnectingPort against real pseudo-terminals from socat: data both ways, a replug (socat
// killed and started again at the same paths), a port that appears only later, and a flooded and
// a silent port next to a healthy one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readdirSync, readlinkSync, realpathSync } from 'node:fs';
import { SerialPort } from 'serialport';
import type { HubLogger } from '../../../src/core/logger.js';
import { createLogger } from '../../../src/observability/logger.js';
import { ReconnectingPort, matchesUsb, type PortInfo } from '../../../src/transports/serial/port.js';
import { waitFor } from '../../helpers/hub.js';
import { createPtyPair, type PtyPair } from '../../helpers/pty.js';
import { teardown } from '../../helpers/teardown.js';

const log = createLogger(process.env.HUB_TEST_LOG ?? 'silent');

async function openDeviceEnd(path: string): Promise<SerialPort> {
  const port = new SerialPort({ path, baudRate: 115200, autoOpen: false });
  port.on('error', () => {});
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  return port;
}

function closeQuietly(port: SerialPort | null): Promise<void> {
  return new Promise((resolve) => (port?.isOpen ? port.close(() => resolve()) : resolve()));
}

function collect(port: ReconnectingPort): { text: () => string } {
  let text = '';
  port.on('data', (chunk) => (text += chunk.toString('latin1')));
  return { text: () => text };
}

test('data flows both ways, and after a replug the port reopens by itself', async (t) => {
  const pty = await createPtyPair(t);
  let device: SerialPort | null = null;
  teardown(t, () => closeQuietly(device));
  const port = new ReconnectingPort({ path: pty.hubPath, baudRate: 115200, log, minBackoffMs: 20, maxBackoffMs: 200 });
  teardown(t, () => port.stop());
  const opened = once(port, 'open');
  port.start();
  assert.deepEqual(await opened, [pty.hubPath]);
  device = await openDeviceEnd(pty.devicePath);
  const received = collect(port);
  device.write('ping from device\n');
  await waitFor('bytes from the device', () => received.text() === 'ping from device\n');
  const echoed = once(device, 'data');
  await port.write('hello device\n');
  assert.equal(String((await echoed)[0]), 'hello device\n');

  const closed = once(port, 'close');
  await pty.stop();
  const [reason] = await closed;
  assert.match(reason, /^port closed/);
  assert.equal(port.isOpen, false);
  await assert.rejects(port.write('lost'), /is not open/);
  await closeQuietly(device);

  const reopened = once(port, 'open');
  await pty.start();
  await reopened;
  device = await openDeviceEnd(pty.devicePath);
  device.write('back again\n');
  await waitFor('bytes after the replug', () => received.text().endsWith('back again\n'));
});

test('a port missing at start is retried with backoff until it appears; stop() ends the retries', async (t) => {
  const pty = await createPtyPair(t);
  await pty.stop();
  const port = new ReconnectingPort({ path: pty.hubPath, baudRate: 115200, log, minBackoffMs: 20, maxBackoffMs: 100 });
  teardown(t, () => port.stop());
  let opens = 0;
  port.on('open', () => opens++);
  port.start();
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(opens, 0);
  await pty.start();
  await waitFor('the port to open once it exists', () => opens === 1);
  await port.stop();
  await pty.stop();
  await pty.start();
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(opens, 1, 'a stopped port must not reopen');
});

test('match picks the port by USB ids and follows it to a new path after a replug', async (t) => {
  // A pty has no USB descriptor, so the port list is the one thing faked here: it reports the
  // pty under the ids a real FTDI adapter would have, at whichever path it currently lives.
  const first = await createPtyPair(t);
  const second = await createPtyPair(t);
  let current = first;
  const listPorts = async (): Promise<PortInfo[]> => [
    { path: '/dev/ttyS0' },
    { path: current.hubPath, vendorId: '0403', productId: '6001', serialNumber: 'A50285BI', manufacturer: 'FTDI' },
  ];
  const port = new ReconnectingPort({
    match: { vendorId: '0403', serialNumber: 'a50285bi' },
    baudRate: 115200,
    log,
    minBackoffMs: 20,
    maxBackoffMs: 100,
    listPorts,
  });
  teardown(t, () => port.stop());
  const opened = once(port, 'open');
  port.start();
  assert.deepEqual(await opened, [first.hubPath]);
  const reopened = once(port, 'open');
  current = second;
  await first.stop();
  assert.deepEqual(await reopened, [second.hubPath]);
  assert.equal(matchesUsb({ path: 'x', vendorId: '2341', productId: '0043' }, { vendorId: '2341', productId: '0042' }), false);
});

test('a flooded port and a silent port do not hold up a healthy one', async (t) => {
  const pairs: PtyPair[] = [await createPtyPair(t), await createPtyPair(t), await createPtyPair(t)];
  const [noisy, silent, healthy] = pairs;
  const devices: SerialPort[] = [];
  teardown(t, async () => {
    for (const d of devices) await closeQuietly(d);
  });
  const ports = pairs.map((p) => new ReconnectingPort({ path: p.hubPath, baudRate: 115200, log, minBackoffMs: 20, maxBackoffMs: 100 }));
  teardown(t, async () => {
    for (const p of ports) await p.stop();
  });
  let flooding = true;
  teardown(t, () => {
    flooding = false;
  });
  await Promise.all(
    ports.map((p) => {
      const o = once(p, 'open');
      p.start();
      return o;
    }),
  );
  let noisyBytes = 0;
  ports[0].on('data', (chunk) => (noisyBytes += chunk.length));
  const healthyData = collect(ports[2]);
  const noisyDevice = await openDeviceEnd(noisy.devicePath);
  devices.push(noisyDevice, await openDeviceEnd(silent.devicePath), await openDeviceEnd(healthy.devicePath));
  const garbage = Buffer.alloc(4096);
  const flood = () => {
    if (!flooding) return;
    for (let i = 0; i < garbage.length; i++) garbage[i] = (Math.random() * 256) | 0;
    noisyDevice.write(garbage, () => setImmediate(flood));
  };
  flood();
  await waitFor('the flood to arrive', () => noisyBytes > 64 * 1024);
  devices[2].write('meter reading\n');
  await waitFor('the healthy port to deliver while the flood goes on', () => healthyData.text() === 'meter reading\n');
  assert.ok(flooding);
  assert.equal(ports[1].isOpen, true);
});

/** Descriptors of this process that point at `path` (a pty end resolves to /dev/pts/N). */
function descriptorsOf(path: string): number {
  const target = realpathSync(path);
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === target;
    } catch {
      return false; // closed while listing
    }
  }).length;
}

test('an open that the driver finishes only after its timeout is closed again, not left holding the port', async (t) => {
  const pty = await createPtyPair(t);
  const messages: string[] = [];
  const recording: HubLogger = {
    debug: (_obj, msg) => void messages.push(msg ?? ''),
    info: (_obj, msg) => void messages.push(msg ?? ''),
    warn: (obj, msg) => void messages.push(`${msg} ${JSON.stringify(obj)}`),
    error: (_obj, msg) => void messages.push(msg ?? ''),
    child: () => recording,
  };
  // One attempt only (the retry is 10 s away), and it times out: once the open is handed to the
  // thread pool (a few microtasks after start(), before any I/O callback can run), the event loop
  // stalls past the 1 ms timeout, so the timer fires before the open's answer is read, just as
  // when a wedged USB driver answers late.
  const port = new ReconnectingPort({ path: pty.hubPath, baudRate: 115200, log: recording, openTimeoutMs: 1, minBackoffMs: 10_000 });
  teardown(t, () => port.stop());
  port.start();
  for (let tick = 0; tick < 20; tick++) await Promise.resolve();
  const stallUntil = Date.now() + 50;
  while (Date.now() < stallUntil) {
    /* the event loop is busy */
  }
  await waitFor('the late open to be closed', () => messages.includes('serial port opened after its timeout; closed again'));
  assert.ok(
    messages.some((m) => m.includes('no answer from the driver within 1 ms')),
    messages.join('\n'),
  );
  assert.equal(port.isOpen, false);
  await waitFor('no descriptor left on the port', () => descriptorsOf(pty.hubPath) === 0);
});
