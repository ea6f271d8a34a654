// The energy view's prices: what HUB_ENERGY_PRICES and HUB_ENERGY_CURRENCY say, for the dashboard
// to turn meter totals into cost.
import { Type } from 'typebox';

export const EnergyPricesSchema = Type.Object({
  currency: Type.String({ description: 'ISO 4217 code of the prices, e.g. EUR' }),
  prices: Type.Record(Type.String(), Type.Number({ minimum: 0 }), {
    description: 'Price per unit (kWh, m³) by metric name; returned energy is credited. Empty when no prices are set',
  }),
});
