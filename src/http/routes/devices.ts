// Device listing and detail.
import type { FastifyPluginAsync } from 'fastify';
import type { DeviceRegistry } from '../../core/devices.js';
import type { LatestReadings } from '../../core/latest.js';
import type { Device } from '../../core/model.js';
import type { Store } from '../../core/store.js';
import { errorSchema, notFound } from '../errors.js';

export interface DeviceRouteDeps {
  devices: DeviceRegistry;
  latest: LatestReadings;
  store: Pick<Store, 'presenceHistory'>;
}

const deviceSchema = {
  type: 'object',
  additionalProperties: true,
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    transport: { type: 'string' },
    presence: { type: 'string', enum: ['unknown', 'online', 'stale', 'offline'] },
    lastSeen: { type: ['integer', 'null'] },
    firmware: { type: 'string' },
    sampleIntervalMs: { type: 'integer' },
    metrics: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, unit: { type: 'string' } } } },
    actuators: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, type: { type: 'string' } } } },
    latest: { type: 'object', additionalProperties: { type: 'object', properties: { ts: { type: 'integer' }, value: { type: 'number' } } } },
  },
} as const;

export const deviceRoutes: FastifyPluginAsync<DeviceRouteDeps> = async (app, deps) => {
  const view = (d: Device) => ({ ...d, latest: deps.latest.of(d.id) });

  app.get('/api/devices', {
    schema: {
      summary: 'List devices with presence and latest values',
      querystring: {
        type: 'object',
        properties: {
          presence: { type: 'string', enum: ['unknown', 'online', 'stale', 'offline'] },
          transport: { type: 'string' },
        },
        additionalProperties: false,
      },
      response: { 200: { type: 'object', properties: { devices: { type: 'array', items: deviceSchema } } } },
    },
  }, async (request) => {
    const q = request.query as { presence?: string; transport?: string };
    const devices = deps.devices.list()
      .filter((d) => (q.presence === undefined || d.presence === q.presence) && (q.transport === undefined || d.transport === q.transport));
    return { devices: devices.map(view) };
  });

  app.get('/api/devices/:id', {
    schema: {
      summary: 'One device with its presence history',
      params: { type: 'object', properties: { id: { type: 'string', maxLength: 64 } }, required: ['id'] },
      response: {
        200: {
          type: 'object',
          properties: {
            device: deviceSchema,
            presenceHistory: {
              type: 'array',
              items: { type: 'object', properties: { state: { type: 'string' }, previous: { type: 'string' }, ts: { type: 'integer' }, reason: { type: 'string' } } },
            },
          },
        },
        404: errorSchema,
      },
    },
  }, async (request) => {
    const { id } = request.params as { id: string };
    const device = deps.devices.get(id);
    if (!device) throw notFound(`no device ${id}`);
    return { device: view(device), presenceHistory: await deps.store.presenceHistory(id, 50) };
  });
};
