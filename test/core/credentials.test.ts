// Device keys on the real SQLite store: only a salted scrypt hash is kept, the right key
// verifies, a wrong one or a replaced one does not.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CredentialError, DeviceCredentials } from '../../src/core/credentials.js';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';

// One store for the whole file, opened and closed by its hooks, which have no test context.
const dir = mkdtempSync(join(tmpdir(), 'credentials-'));
const store = new SqliteStore(dir);
before(() => store.start());
after(async () => {
  await store.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('a provisioned key verifies; the store holds a salted hash, not the key', async () => {
  const credentials = new DeviceCredentials(store);
  const { id, key } = await credentials.provision('esp-1');
  assert.equal(id, 'esp-1');
  assert.ok(key.length >= 32);
  const record = await store.getRecord('device-key', 'esp-1');
  assert.equal(record?.algorithm, 'scrypt');
  assert.ok(!JSON.stringify(record).includes(key), 'the key itself is not stored');
  assert.equal(await credentials.verify('esp-1', key), true);
  assert.equal(await credentials.verify('esp-1', key), true, 'a second check (remembered) agrees');
  assert.equal(await new DeviceCredentials(store).verify('esp-1', key), true, 'a fresh process verifies from the hash');
  assert.equal(await credentials.verify('esp-1', `${key}x`), false);
  assert.equal(await credentials.verify('esp-2', key), false, 'unknown device');
});

test('two devices get different salts; re-provisioning replaces the old key', async () => {
  const credentials = new DeviceCredentials(store);
  const a = await credentials.provision('dup-a');
  await credentials.provision('dup-b');
  const [ra, rb] = await Promise.all([store.getRecord('device-key', 'dup-a'), store.getRecord('device-key', 'dup-b')]);
  assert.notEqual(ra?.salt, rb?.salt);
  assert.equal(await credentials.verify('dup-a', a.key), true);
  const replaced = await credentials.provision('dup-a');
  assert.equal(await credentials.verify('dup-a', a.key), false, 'the old key no longer works');
  assert.equal(await credentials.verify('dup-a', replaced.key), true);
  const elsewhere = await new DeviceCredentials(store).provision('dup-a');
  assert.equal(
    await credentials.verify('dup-a', replaced.key),
    false,
    'a key replaced by another process (the CLI) stops working here too',
  );
  assert.equal(await credentials.verify('dup-a', elsewhere.key), true);
  assert.equal(await credentials.revoke('dup-a'), true);
  assert.equal(await credentials.verify('dup-a', elsewhere.key), false);
});

test('invalid device ids are refused', async () => {
  await assert.rejects(new DeviceCredentials(store).provision('no spaces'), CredentialError);
  await assert.rejects(new DeviceCredentials(store).provision(''), CredentialError);
});
