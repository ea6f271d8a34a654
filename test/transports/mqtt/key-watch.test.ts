// A device key replaced or removed by the CLI (another process) while the device is connected:
// the running hub closes its MQTT session within the recheck interval, and the old key no
// longer logs in. mqtt.js for the re-keyed device, Debian's mosquitto_sub for the removed one.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { runCli } from '../../helpers/cli.js';
import { startHub, waitFor } from '../../helpers/hub.js';
import { killChildren, rawClient, spawnMosquitto } from './mqtt-helpers.js';
import { settled } from '../../helpers/settled.js';

after(killChildren);

async function cliKey(dataDir: string, ...args: string[]): Promise<string> {
  const result = await runCli(['device', ...args, '--data-dir', dataDir]);
  assert.equal(result.code, 0, result.stderr);
  return result.stdout.trim();
}

test('a device re-keyed by the CLI is disconnected and its old key refused; the new key logs in', async (ctx) => {
  const t = await startHub(ctx, { credentialRecheckMs: 300 });
  const oldKey = await cliKey(t.dataDir, 'add', 'kit-1');
  const client = await rawClient(ctx, t, { clientId: 'kit-1', username: 'kit-1', password: oldKey });
  const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));

  const newKey = await cliKey(t.dataDir, 'rekey', 'kit-1');
  await settled('the session to close', closed);
  assert.equal(client.connected, false);
  await assert.rejects(rawClient(t, { clientId: 'kit-1', username: 'kit-1', password: oldKey }), /Bad username or password/);
  const again = await rawClient(ctx, t, { clientId: 'kit-1', username: 'kit-1', password: newKey });
  assert.equal(again.connected, true);
});

test('a device removed by the CLI loses its session (mosquitto_sub) and cannot log in again', async (ctx) => {
  const t = await startHub(ctx, { credentialRecheckMs: 300 });
  const key = await cliKey(t.dataDir, 'add', 'kit-2');
  const port = String(t.hub.mqtt.port);
  const sub = spawnMosquitto('mosquitto_sub', [
    '-h',
    '127.0.0.1',
    '-p',
    port,
    '-i',
    'kit-2',
    '-u',
    'kit-2',
    '-P',
    key,
    '-t',
    'devices/kit-2/cmd',
  ]);
  const exited = new Promise<number | null>((resolve) => sub.child.once('close', (code) => resolve(code)));
  // Connected once the hub counts it.
  await waitFor('kit-2 to be online', () => t.hub.devices.get('kit-2')?.presence === 'online');

  await cliKey(t.dataDir, 'remove', 'kit-2');
  // mosquitto_sub reconnects after the hub closes it, is refused with the key gone, and gives up.
  assert.notEqual(await settled('mosquitto_sub to give up', exited), 0);
  await assert.rejects(rawClient(t, { clientId: 'kit-2', username: 'kit-2', password: key }), /Bad username or password/);
});
