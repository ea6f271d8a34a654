// Failed logins and the cost of checking keys. Behind NAT or a reverse proxy one broken device
// must not lock out every other one: after the limit of bad logins from an address, its wrong
// keys get CONNACK 3 ("retry in N s") but a right key still logs in, for the same device and for
// others; the HTTP API shares the limiter and still lets a valid token through. A burst of
// wrong-key CONNECTs runs a bounded number of scrypt checks (the rest are refused as busy), a
// device retrying one wrong key costs one check, and an unknown id costs what a wrong key costs.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { MqttClient } from 'mqtt';
import { startHub, type TestHub } from '../../helpers/hub.js';
import { provision, rawClient } from './mqtt-helpers.js';

let t: TestHub;
let admin: string;
before(async () => {
  t = await startHub({ authFailureLimit: 3, auth: 'on' });
  admin = (await t.hub.tokens.add('admin')).token;
});
after(() => t.stop());

const refusedWith = (code: number) => (err: Error & { code?: number }) => err.code === code;
const metric = async (pattern: RegExp): Promise<number> => {
  const text = await (await fetch(`${t.url}/metrics`)).text();
  return Number(pattern.exec(text)?.[1] ?? 0);
};
const derivations = () => metric(/^hub_key_derivations_total\{lane="normal"\} (\d+)$/m);

test('past the limit, wrong keys get CONNACK 3 while right keys still log in, for this device and others', async () => {
  const key = await provision(t, 'vault-1');
  const neighbour = await provision(t, 'vault-2');
  for (let i = 0; i < 3; i++) {
    await assert.rejects(rawClient(t, { clientId: `guess-${i}`, username: 'vault-1', password: `guess-${i}` }), refusedWith(4));
  }
  await assert.rejects(rawClient(t, { clientId: 'guess-x', username: 'vault-1', password: 'guess-x' }), refusedWith(3));
  const clients: MqttClient[] = [
    await rawClient(t, { clientId: 'vault-1', username: 'vault-1', password: key }),
    await rawClient(t, { clientId: 'vault-2', username: 'vault-2', password: neighbour }),
  ];
  await Promise.all(clients.map((c) => c.endAsync()));
  assert.equal(await metric(/^hub_frames_rejected_total\{transport="mqtt",reason="connection_refused"\} (\d+)$/m), 4);
});

test('the HTTP API shares the limiter: bad tokens get 429, a valid token still gets its answer', async () => {
  for (let i = 0; i < 6; i++) await fetch(`${t.url}/api/devices`, { headers: { authorization: `Bearer not-a-token-${i}` } });
  const bad = await fetch(`${t.url}/api/devices`, { headers: { authorization: 'Bearer not-a-token-x' } });
  assert.equal(bad.status, 429);
  assert.ok(Number(bad.headers.get('retry-after')) > 0);
  const good = await fetch(`${t.url}/api/devices`, { headers: { authorization: `Bearer ${admin}` } });
  assert.equal(good.status, 200);
});

test('60 simultaneous wrong-key logins run a bounded number of key checks; the rest are refused as busy', async () => {
  await provision(t, 'vault-3');
  const before = await derivations();
  const attempts = Array.from({ length: 60 }, (_, i) =>
    rawClient(t, { clientId: `flood-${i}`, username: 'vault-3', password: `wrong-${i}` }).then(
      (c) => c.endAsync().then(() => 0),
      (err: Error & { code?: number }) => err.code ?? -1,
    ),
  );
  const codes = await Promise.all(attempts);
  assert.ok(
    codes.every((c) => c === 3 || c === 4),
    `every attempt refused: ${codes}`,
  );
  const ran = (await derivations()) + (await metric(/^hub_key_derivations_total\{lane="penalty"\} (\d+)$/m)) - before;
  assert.ok(ran <= 10, `at most one caller's share of checks ran, not one per attempt: ${ran}`);
  assert.ok((await metric(/^hub_key_checks_busy_total\{reason="caller_share"\} (\d+)$/m)) >= 50);
  assert.equal(await metric(/^hub_key_checks_in_flight (\d+)$/m), 0);
});

test('a device retrying one wrong key costs one check; an unknown id costs what a wrong key costs', async () => {
  const fresh = await startHub({ auth: 'on', authFailureLimit: 1000 });
  try {
    await fresh.hub.credentials.provision('door-1');
    const count = async () => {
      const text = await (await fetch(`${fresh.url}/metrics`)).text();
      return Number(/^hub_key_derivations_total\{lane="normal"\} (\d+)$/m.exec(text)?.[1] ?? 0);
    };
    const login = (username: string, password: string) =>
      rawClient(fresh, { clientId: `c-${username}`, username, password }).then(
        () => assert.fail('must be refused'),
        (err: Error & { code?: number }) => err.code,
      );
    assert.equal(await login('door-1', 'wrong'), 4);
    assert.equal(await count(), 1);
    for (let i = 0; i < 5; i++) assert.equal(await login('door-1', 'wrong'), 4);
    assert.equal(await count(), 1, 'the same wrong key again is answered without a new check');
    assert.equal(await login('nobody-here', 'whatever'), 4, 'the same answer as a wrong key');
    assert.equal(await count(), 2, 'an unknown id runs one check too');
  } finally {
    await fresh.stop();
  }
});
