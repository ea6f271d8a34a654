// The line protocol's side of the stream rules, with the test on the device end of a socat pty
// pair: a sample the hub refused while its store was slow, then dropped by the device's full
// ring, must not stall the stream; the heartbeat's `first` moves both the line guard and the
// ledger past it. The one fake is the store's speed: a real SQLite store whose writes wait on a
// gate (a slow disk or a MongoDB outage cannot be produced on demand here).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { encodeFrame } from '../../../../src/transports/serial/line/framing.js';
import { SqliteStore } from '../../../../src/storage/sqlite/sqlite-store.js';
import type { WriteBatch, WriteResult } from '../../../../src/core/store.js';
import { startHub, waitFor } from '../../../helpers/hub.js';
import { createPtyPair } from '../../../helpers/pty.js';
import { teardown, tempDir } from '../../../helpers/teardown.js';

const DEVICE = 'ring-line-1';

class GatedStore extends SqliteStore {
  private gate: Promise<void> | null = null;
  private openGate: (() => void) | null = null;
  entered = 0;

  hold(): void {
    this.gate = new Promise((resolve) => {
      this.openGate = resolve;
    });
  }

  release(): void {
    this.openGate?.();
    this.gate = null;
  }

  override async writeBatch(batch: WriteBatch): Promise<WriteResult> {
    this.entered += 1;
    if (this.gate) await this.gate;
    return super.writeBatch(batch);
  }
}

test('a sample refused while the store is slow and then dropped by the ring does not stall the stream', async (t) => {
  const dir = tempDir(t, 'line-integrity-');
  const pty = await createPtyPair(t);
  const devicesFile = join(dir, 'devices.yml');
  writeFileSync(devicesFile, `devices:\n  - { transport: line, port: ${pty.hubPath} }\n`);
  const store = new GatedStore(join(dir, 'store'));
  const hub = await startHub(t, { devicesFile, maxPending: 3, flushIntervalMs: 10 }, { store });
  const port = new SerialPort({ path: pty.devicePath, baudRate: 115200, autoOpen: false });
  teardown(t, async () => {
    store.release(); // a held write must not keep the hub from stopping
    if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  const heard: string[] = [];
  let partial = '';
  port.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    heard.push(...lines.map((l) => l.replace(/\*[0-9A-F]{2}\r?$/, '')));
  });
  const send = (body: string) =>
    new Promise<void>((resolve, reject) => port.write(encodeFrame(body), (err) => (err ? reject(err) : port.drain(() => resolve()))));
  const hear = (pattern: RegExp, since = 0) => waitFor(`hub frame ${pattern}`, () => heard.slice(since).find((b) => pattern.test(b)));

  await send(`hello ${DEVICE} proto=1 fw=ring-test iv=1000 m=v:`);
  await hear(/^welcome -$/);
  store.hold();
  await send('t 0 0 v=0');
  await waitFor('seq 0 being written', () => store.entered >= 1);
  for (let seq = 1; seq < 5; seq++) await send(`t ${seq} 0 v=${seq}`); // 1..3 fill the buffer of 3
  await waitFor('seq 4 refused for a full buffer', () => hub.hub.metrics.readingsRefused.get({ source: 'line', reason: 'busy' }) >= 1);
  // The device keeps sampling; its ring of 4 drops 0..4, the refused 4 among them, and says so.
  const since = heard.length;
  await send('hb 5000 4 5 5');
  await waitFor('the loss of 4 taken', () => hub.hub.metrics.streamLost.get({ source: 'line' }) >= 1);
  store.release();
  await hear(/^h 4$/, since); // the buffer is empty again, and the head moved over the lost 4
  // Three at a time: the buffer of 3 pushes back on a fourth before a flush, and this scripted
  // device does not resend.
  for (let seq = 5; seq < 8; seq++) await send(`t ${seq} 0 v=${seq}`);
  await hear(/^h 7$/, since);
  await send('t 8 0 v=8');
  await hear(/^h 8$/, since);
  const stored = (await hub.hub.store.queryRaw({ deviceId: DEVICE, metric: 'v', from: 0, to: Date.now() + 60_000, limit: 100 })).readings;
  assert.deepEqual(
    stored.map((r) => r.value),
    [0, 1, 2, 3, 5, 6, 7, 8],
  );
  assert.equal(hub.hub.metrics.streamLost.get({ source: 'line' }), 1, 'seq 4 is counted as lost by the device');
});
