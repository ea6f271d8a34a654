// HUB_ENERGY_PRICES and HUB_ENERGY_CURRENCY: the prices the dashboard's energy view multiplies
// meter totals with. Parsed once at startup; a malformed value stops the hub with the setting
// named, rather than showing wrong money later.
import { checkMetricName } from '../core/model.js';
import { ConfigError, SETTINGS } from './settings.js';

export interface EnergyPrices {
  /** ISO 4217 code, upper case. */
  currency: string;
  /** Price per unit of each priced metric (per kWh, per m³). */
  prices: Record<string, number>;
}

/** Dearer than any tariff in any country: a price above it is a typo (a missing decimal point). */
export const MAX_PRICE = 1_000;

export function energyPricesOf(config: { energyPrices: string; energyCurrency: string }): EnergyPrices {
  return { currency: parseCurrency(config.energyCurrency), prices: parsePrices(config.energyPrices) };
}

function parseCurrency(raw: string): string {
  const code = raw.trim().toUpperCase();
  if (!/^[A-Z]{3}$/.test(code))
    throw new ConfigError(SETTINGS.energyCurrency.env, `must be a three-letter ISO 4217 code such as EUR, got "${raw}"`);
  return code;
}

function parsePrices(raw: string): Record<string, number> {
  const setting = SETTINGS.energyPrices.env;
  const prices: Record<string, number> = {};
  if (raw.trim() === '') return prices;
  for (const pair of raw.split(',')) {
    const eq = pair.indexOf('=');
    if (eq < 0) throw new ConfigError(setting, `expected metric=price pairs separated by commas, got "${pair.trim()}"`);
    const metric = pair.slice(0, eq).trim();
    const text = pair.slice(eq + 1).trim();
    const problem = checkMetricName(metric);
    if (problem) throw new ConfigError(setting, `"${metric}": ${problem}`);
    if (metric in prices) throw new ConfigError(setting, `"${metric}" is priced twice`);
    const price = Number(text);
    if (text === '' || !/^\d+(\.\d+)?$/.test(text) || !Number.isFinite(price))
      throw new ConfigError(setting, `the price of "${metric}" must be a number such as 0.25, got "${text}"`);
    if (price > MAX_PRICE) throw new ConfigError(setting, `the price of "${metric}" must be at most ${MAX_PRICE}, got ${price}`);
    prices[metric] = price;
  }
  return prices;
}
