// HUB_ENERGY_PRICES and HUB_ENERGY_CURRENCY: parsed into prices by metric, or refused with an
// error that names the setting and the part that is wrong.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { energyPricesOf } from '../../src/config/energy-prices.js';
import { ConfigError } from '../../src/config/settings.js';
import { runCli } from '../helpers/cli.ts';

test('metric=price pairs become prices by metric; spaces and the currency case do not matter', () => {
  const parsed = energyPricesOf({
    energyPrices: 'energy_delivered_tariff1=0.2453, energy_delivered_tariff2 = 0.22,gas=1.35,energy_returned_tariff1=0',
    energyCurrency: 'gbp',
  });
  assert.deepEqual(parsed, {
    currency: 'GBP',
    prices: { energy_delivered_tariff1: 0.2453, energy_delivered_tariff2: 0.22, gas: 1.35, energy_returned_tariff1: 0 },
  });
});

test('unset prices mean none, in the default currency', () => {
  assert.deepEqual(energyPricesOf({ energyPrices: '', energyCurrency: 'EUR' }), { currency: 'EUR', prices: {} });
});

test('malformed prices and currencies are refused with the setting and the culprit named', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['gas', 'EUR', /^HUB_ENERGY_PRICES: expected metric=price pairs separated by commas, got "gas"$/],
    ['gas=1.3,', 'EUR', /^HUB_ENERGY_PRICES: expected metric=price pairs .* got ""$/],
    ['gas=abc', 'EUR', /^HUB_ENERGY_PRICES: the price of "gas" must be a number such as 0.25, got "abc"$/],
    ['gas=-1', 'EUR', /^HUB_ENERGY_PRICES: the price of "gas" must be a number/],
    ['gas=1e3', 'EUR', /^HUB_ENERGY_PRICES: the price of "gas" must be a number/],
    ['gas=', 'EUR', /^HUB_ENERGY_PRICES: the price of "gas" must be a number/],
    ['gas=2000', 'EUR', /^HUB_ENERGY_PRICES: the price of "gas" must be at most 1000, got 2000$/],
    ['9gas=1', 'EUR', /^HUB_ENERGY_PRICES: "9gas": metric name must start with a letter/],
    ['gas=1,gas=2', 'EUR', /^HUB_ENERGY_PRICES: "gas" is priced twice$/],
    ['gas=1', 'euro', /^HUB_ENERGY_CURRENCY: must be a three-letter ISO 4217 code such as EUR, got "euro"$/],
  ];
  for (const [energyPrices, energyCurrency, message] of cases) {
    assert.throws(
      () => energyPricesOf({ energyPrices, energyCurrency }),
      (err: unknown) => err instanceof ConfigError && message.test(err.message),
      `${energyPrices} ${energyCurrency}: ${message.source}`,
    );
  }
});

test('the hub refuses to start with malformed prices: exit code 2, the setting and the culprit named', async () => {
  const { code, stderr } = await runCli(['--energy-prices', 'energy_delivered_tariff1=0,25', '--http-port', '0', '--mqtt-port', '0']);
  assert.equal(code, 2);
  assert.match(stderr, /configuration error: HUB_ENERGY_PRICES: expected metric=price pairs separated by commas, got "25"/);
});
