// Device listing and detail.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { DeviceRegistry } from '../../core/devices.js';
import type { LatestReadings } from '../../core/latest.js';
import type { Device } from '../../core/model.js';
import type { Store } from '../../core/store.js';
import { notFound } from '../errors.js';
import { DeviceIdParams, ErrorSchema } from '../schemas/common.js';
import { DeviceDetail, DeviceList, DeviceListQuery } from '../schemas/devices.js';

export interface DeviceRouteDeps {
  devices: DeviceRegistry;
  latest: LatestReadings;
  store: Pick<Store, 'presenceHistory'>;
}

export const deviceRoutes: FastifyPluginAsyncTypebox<DeviceRouteDeps> = async (app, deps) => {
  const view = (d: Device) => ({ ...d, latest: deps.latest.of(d.id) });

  app.get(
    '/api/devices',
    {
      schema: {
        summary: 'List devices with presence and latest values',
        querystring: DeviceListQuery,
        response: { 200: DeviceList },
      },
    },
    async (request) => {
      const q = request.query;
      const devices = deps.devices
        .list()
        .filter(
          (d) => (q.presence === undefined || d.presence === q.presence) && (q.transport === undefined || d.transport === q.transport),
        );
      return { devices: devices.map(view) };
    },
  );

  app.get(
    '/api/devices/:id',
    {
      schema: {
        summary: 'One device with its presence history',
        params: DeviceIdParams,
        response: { 200: DeviceDetail, 404: ErrorSchema },
      },
    },
    async (request) => {
      const { id } = request.params;
      const device = deps.devices.get(id);
      if (!device) throw notFound(`no device ${id}`);
      return { device: view(device), presenceHistory: await deps.store.presenceHistory(id, 50) };
    },
  );
};
