// GET /api/energy/prices: the prices set for the energy view, read by any viewer. They are
// settings, fixed while the hub runs, so the route only hands out what startup parsed.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { EnergyPrices } from '../../config/energy-prices.js';
import { EnergyPricesSchema } from '../schemas/energy.js';

export interface EnergyRouteDeps {
  prices: EnergyPrices;
}

export const energyRoutes: FastifyPluginAsyncTypebox<EnergyRouteDeps> = async (app, deps) => {
  app.get(
    '/api/energy/prices',
    {
      schema: {
        summary: 'Prices per unit of counter metrics (HUB_ENERGY_PRICES) and their currency',
        response: { 200: EnergyPricesSchema },
      },
    },
    async () => deps.prices,
  );
};
