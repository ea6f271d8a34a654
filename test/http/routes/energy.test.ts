// GET /api/energy/prices on a running hub with auth on: a viewer reads the prices set at startup,
// a caller without a token reads nothing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startHub } from '../../helpers/hub.ts';

test('a viewer reads the prices and currency; without a token the answer is 401', async (t) => {
  const hub = await startHub(t, { auth: 'on', energyPrices: 'energy_delivered_tariff1=0.25,gas=1.35', energyCurrency: 'eur' });
  const viewer = (await hub.hub.tokens.add('viewer')).token;
  const open = await fetch(`${hub.url}/api/energy/prices`);
  assert.equal(open.status, 401);
  const res = await fetch(`${hub.url}/api/energy/prices`, { headers: { authorization: `Bearer ${viewer}` } });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { currency: 'EUR', prices: { energy_delivered_tariff1: 0.25, gas: 1.35 } });
});

test('a hub without prices answers an empty list in the default currency', async (t) => {
  const hub = await startHub(t);
  const res = await fetch(`${hub.url}/api/energy/prices`);
  assert.deepEqual(await res.json(), { currency: 'EUR', prices: {} });
});
