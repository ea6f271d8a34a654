// A device's life for admins: add it (its key is shown only in that answer), rename it, give it a
// new key, remove it. Every route asks for the admin role through its config; `preHandler` lets
// the composition root add its own guard as well. Refusals come from the core as
// DeviceAdminError, which errors.ts answers (409 exists, 404 unknown device, 400 bad id).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { preHandlerHookHandler } from 'fastify';
import type { DeviceLifecycle } from '../../core/device-lifecycle.js';
import { DeviceIdParams, ErrorSchema } from '../schemas/common.js';
import { Provisioned, ProvisionRequest, RemoveQuery, Renamed, RenameRequest } from '../schemas/device-admin.js';
import { type Static, Type } from 'typebox';
import type { Device } from '../../core/model.js';
import type { DeviceSchema } from '../schemas/devices.js';

export interface DeviceAdminDeps {
  lifecycle: Pick<DeviceLifecycle, 'add' | 'rename' | 'rekey' | 'remove'>;
  /** How the API shows a device (routes/devices.ts's deviceView). */
  view: (device: Device) => Static<typeof DeviceSchema>;
  /** The broker the device logs in to, for the connection settings shown with its key. */
  broker: () => { port: number; tls: boolean };
  preHandler?: preHandlerHookHandler;
}

export const deviceAdminRoutes: FastifyPluginAsyncTypebox<DeviceAdminDeps> = async (app, deps) => {
  const guarded = { config: { role: 'admin' as const }, ...(deps.preHandler && { preHandler: deps.preHandler }) };

  app.post(
    '/api/admin/devices',
    {
      ...guarded,
      schema: {
        summary: 'Add an MQTT device: make its key (shown only in this answer) and register it',
        body: ProvisionRequest,
        response: { 201: Provisioned, 400: ErrorSchema, 409: ErrorSchema },
      },
    },
    async (request, reply) => {
      const { id, key } = await deps.lifecycle.add(request.body);
      reply.status(201);
      return { id, key, mqtt: deps.broker() };
    },
  );

  app.patch(
    '/api/admin/devices/:id',
    {
      ...guarded,
      schema: {
        summary: 'Rename a device',
        params: DeviceIdParams,
        body: RenameRequest,
        response: { 200: Renamed, 404: ErrorSchema },
      },
    },
    async (request) => ({ device: deps.view(await deps.lifecycle.rename(request.params.id, request.body.name)) }),
  );

  app.post(
    '/api/admin/devices/:id/key',
    {
      ...guarded,
      schema: {
        summary: 'Give a device a new key (shown only in this answer); the old key stops working at once',
        params: DeviceIdParams,
        response: { 200: Provisioned, 404: ErrorSchema },
      },
    },
    async (request) => ({ ...(await deps.lifecycle.rekey(request.params.id)), mqtt: deps.broker() }),
  );

  app.delete(
    '/api/admin/devices/:id',
    {
      ...guarded,
      schema: {
        summary: 'Remove a device and its key (purge=true: also its readings, presence history and commands); its connections are closed',
        params: DeviceIdParams,
        querystring: RemoveQuery,
        response: { 204: Type.Null(), 404: ErrorSchema },
      },
    },
    async (request, reply) => {
      await deps.lifecycle.remove(request.params.id, { purge: request.query.purge });
      reply.status(204);
      return null;
    },
  );
};
