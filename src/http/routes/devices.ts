// Device listing and detail (each device with its latest values and latest refusal), and a
// device's recent refusals.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { DeviceRegistry } from '../../core/devices.js';
import type { LatestReadings } from '../../core/latest.js';
import type { RefusalHistory } from '../../core/refusal-history.js';
import type { Device } from '../../core/model.js';
import type { Store } from '../../core/store.js';
import { notFound } from '../errors.js';
import { DeviceIdParams, ErrorSchema } from '../schemas/common.js';
import type { Static } from 'typebox';
import { DeviceDetail, DeviceList, type DeviceSchema, DeviceListQuery, RefusalList, RefusalsQuery } from '../schemas/devices.js';

export interface DeviceRouteDeps {
  devices: DeviceRegistry;
  latest: Pick<LatestReadings, 'of'>;
  refusals: Pick<RefusalHistory, 'of' | 'last'>;
  store: Pick<Store, 'presenceHistory'>;
}

/** A device as the API shows it: the registry's fields, its latest values and its latest refusal. */
export function deviceView(deps: Pick<DeviceRouteDeps, 'latest' | 'refusals'>): (d: Device) => Static<typeof DeviceSchema> {
  return (d) => ({ ...d, latest: deps.latest.of(d.id), lastRefusal: deps.refusals.last(d.id) });
}

export const deviceRoutes: FastifyPluginAsyncTypebox<DeviceRouteDeps> = async (app, deps) => {
  const view = deviceView(deps);

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

  app.get(
    '/api/devices/:id/refusals',
    {
      schema: {
        summary: 'What the hub refused from the device since it started, newest first (kept in memory, at most 100)',
        params: DeviceIdParams,
        querystring: RefusalsQuery,
        response: { 200: RefusalList, 404: ErrorSchema },
      },
    },
    async (request) => {
      const { id } = request.params;
      if (!deps.devices.get(id)) throw notFound(`no device ${id}`);
      return { refusals: deps.refusals.of(id, request.query.limit) };
    },
  );
};
