// `telemetry-hub device ...` on a real SQLite store: add refuses an id with a key unless
// --replace, list, rename, rekey and remove (with --purge) do what the admin API does, and every
// command names the store it works on, so one run from another directory cannot go unnoticed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { deviceCommand } from '../../src/commands/device-command.js';
import { describeStore, maskPassword } from '../../src/commands/with-store.js';
import { DeviceCredentials } from '../../src/core/credentials.js';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import { teardown, tempDir } from '../helpers/teardown.js';

function sink() {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += chunk;
      done();
    },
  });
  return { stream, text: () => text };
}

async function device(dataDir: string, ...args: string[]) {
  const out = sink();
  const err = sink();
  const code = await deviceCommand([...args, '--data-dir', dataDir], out.stream, err.stream);
  return { code, out: out.text(), err: err.text() };
}

async function openStore(t: Parameters<typeof tempDir>[0], dataDir: string) {
  const store = new SqliteStore(dataDir);
  await store.start();
  teardown(t, () => store.stop());
  return store;
}

test('device add prints a key once, names the store, and refuses the id again unless --replace', async (t) => {
  const dataDir = tempDir(t, 'device-cli-');
  const added = await device(dataDir, 'add', 'kitchen-1', '--name', 'Kitchen');
  assert.equal(added.code, 0, added.err);
  const key = added.out.trim();
  assert.match(key, /^[A-Za-z0-9_-]{32}$/);
  assert.match(added.err, new RegExp(`^store: SQLite in ${resolve(dataDir)}\\n`));

  const again = await device(dataDir, 'add', 'kitchen-1');
  assert.equal(again.code, 1);
  assert.equal(again.out, '', 'no key printed');
  assert.match(again.err, /refused: device kitchen-1 already has a key.*--replace/);

  const replaced = await device(dataDir, 'add', 'kitchen-1', '--replace');
  assert.equal(replaced.code, 0);
  const store = await openStore(t, dataDir);
  const credentials = new DeviceCredentials(store);
  assert.equal(await credentials.verify('kitchen-1', key), false, 'the replaced key no longer logs in');
  assert.equal(await credentials.verify('kitchen-1', replaced.out.trim()), true);
  const [stored] = await store.loadDevices();
  assert.deepEqual([stored.id, stored.name, stored.transport], ['kitchen-1', 'Kitchen', 'mqtt']);
});

test('device list, rename, rekey and remove work on the store; remove --purge deletes the history', async (t) => {
  const dataDir = tempDir(t, 'device-cli-');
  await device(dataDir, 'add', 'pump-1');
  await device(dataDir, 'add', 'pump-2');
  {
    const store = await openStore(t, dataDir);
    await store.writeBatch({
      readings: [{ deviceId: 'pump-2', metric: 'flow', ts: Date.UTC(2026, 0, 1), value: 3 }],
      heads: [],
      lastSeen: [],
    });
    await store.stop();
  }
  assert.equal((await device(dataDir, 'rename', 'pump-1', 'Cellar pump')).code, 0);
  const listed = await device(dataDir, 'list');
  assert.equal(listed.code, 0);
  assert.match(listed.out, /^ID\s+NAME\s+TRANSPORT\s+KEY MADE/);
  // The key's creation time, as the stored record has it.
  const made = new Date((await new DeviceCredentials(await openStore(t, dataDir)).keyCreatedAt('pump-1'))!).toISOString();
  assert.match(listed.out, new RegExp(`\\npump-1\\s+Cellar pump\\s+mqtt\\s+${made.replace(/\./g, '\\.')}`));
  assert.match(listed.out, /\npump-2\s+pump-2\s+mqtt\s+\d{4}-\d\d-\d\dT/);

  const rekeyed = await device(dataDir, 'rekey', 'pump-1');
  assert.equal(rekeyed.code, 0);
  assert.match(rekeyed.out.trim(), /^[A-Za-z0-9_-]{32}$/);
  assert.equal((await device(dataDir, 'rekey', 'ghost')).code, 1);

  const removed = await device(dataDir, 'remove', 'pump-1');
  assert.equal(removed.code, 0);
  assert.match(removed.err, /removed pump-1 and its key/);
  const purged = await device(dataDir, 'remove', 'pump-2', '--purge');
  assert.equal(purged.code, 0, purged.err);
  assert.match(purged.err, /purged 1 bucket segments/);
  assert.equal((await device(dataDir, 'remove', 'pump-2')).code, 1);
  assert.equal((await device(dataDir, 'list')).out, 'no devices\n');
  const store = await openStore(t, dataDir);
  assert.deepEqual((await store.queryRaw({ deviceId: 'pump-2', from: 0, to: Date.now(), limit: 10 })).readings, []);
  assert.equal(await store.getRecord('device-key', 'pump-1'), null);
});

test('usage errors: unknown verb, missing id, a value option without its value', async (t) => {
  const dataDir = tempDir(t, 'device-cli-');
  for (const args of [['frobnicate', 'x'], ['add'], ['rename', 'x'], ['add', 'x', '--name'], ['add', 'x', '--replace=yes']]) {
    const run = await device(dataDir, ...args);
    assert.equal(run.code, 2, args.join(' '));
    assert.match(run.err, /usage:/);
  }
  const unknownSetting = await device(dataDir, 'add', 'x', '--colour', 'red');
  assert.equal(unknownSetting.code, 2);
  assert.match(unknownSetting.err, /configuration error: --colour: unknown option/);
});

test('the store is named as an absolute path, or as the MongoDB URI without its password', () => {
  assert.equal(describeStore({ dataDir: './data', mongodbUri: '' }), `SQLite in ${resolve('data')}`);
  assert.equal(
    describeStore({ dataDir: './data', mongodbUri: 'mongodb://hub:s3cr%40t@db1:27017,db2:27017/telemetry?replicaSet=rs0' }),
    'MongoDB mongodb://hub:***@db1:27017,db2:27017/telemetry?replicaSet=rs0',
  );
  assert.equal(maskPassword('mongodb+srv://hub:pw@cluster.example.net/t'), 'mongodb+srv://hub:***@cluster.example.net/t');
  assert.equal(maskPassword('mongodb://db1:27017/t'), 'mongodb://db1:27017/t');
});

test('run from another directory, the command says on stderr which store it wrote to', async (t) => {
  const elsewhere = tempDir(t, 'device-cli-cwd-');
  const repo = resolve('.');
  // tsx by its resolved path: from the other directory the bare name would not resolve.
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), join(repo, 'src/cli.ts'), 'device', 'add', 'garage-1'], {
    cwd: elsewhere,
    env: { ...process.env, HUB_DATA_DIR: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise((done) => child.on('exit', done));
  assert.equal(code, 0, stderr);
  assert.match(stderr, new RegExp(`store: SQLite in ${join(elsewhere, 'data')}\\n`));
});
