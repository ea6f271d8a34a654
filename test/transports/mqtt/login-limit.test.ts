// Guessing device keys: an address that keeps failing MQTT logins is refused for the rest of the
// minute, even with a good key, and the same limiter counts failed API tokens.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHub, type TestHub } from '../../helpers/hub.js';
import { provision, rawClient } from './mqtt-helpers.js';

let t: TestHub;
before(async () => {
  t = await startHub({ authFailureLimit: 3, auth: 'on' });
});
after(() => t.stop());

const refusedWith = (code: number) => (err: Error & { code?: number }) => err.code === code;

test('after the limit of bad logins the address gets CONNACK 3, also with the right key; counted and logged', async () => {
  const key = await provision(t, 'vault-1');
  const good = await rawClient(t, { clientId: 'vault-1', username: 'vault-1', password: key });
  await good.endAsync();
  for (let i = 0; i < 3; i++) {
    await assert.rejects(rawClient(t, { clientId: `guess-${i}`, username: 'vault-1', password: `guess-${i}` }), refusedWith(4));
  }
  await assert.rejects(rawClient(t, { clientId: 'vault-1', username: 'vault-1', password: key }), refusedWith(3));
  const metrics = await (await fetch(`${t.url}/metrics`)).text();
  assert.match(metrics, /^hub_frames_rejected_total\{transport="mqtt",reason="connection_refused"\} 4$/m);
  // The HTTP API shares the limiter: the same address is now refused there too.
  const res = await fetch(`${t.url}/api/devices`, { headers: { authorization: 'Bearer not-a-token' } });
  assert.equal(res.status, 429);
});
