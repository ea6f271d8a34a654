// Device provisioning for admins: `POST /api/admin/devices` makes a device key, registers the
// device and answers the key, the only time it is ever shown. The route asks for the admin
// role through its config; `preHandler` lets the composition root add its own guard as well.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { preHandlerHookHandler } from 'fastify';
import type { DeviceCredentials } from '../../core/credentials.js';
import type { DeviceRegistry } from '../../core/devices.js';
import { checkDeviceId } from '../../core/model.js';
import { chooseDialect } from '../../transports/mqtt/dialects/provision.js';
import { badRequest } from '../errors.js';
import { ErrorSchema } from '../schemas/common.js';
import { Provisioned, ProvisionRequest } from '../schemas/devices.js';

export interface ProvisioningDeps {
  credentials: Pick<DeviceCredentials, 'provision' | 'dialects'>;
  devices: Pick<DeviceRegistry, 'get' | 'register'>;
  preHandler?: preHandlerHookHandler;
}

export const provisioningRoutes: FastifyPluginAsyncTypebox<ProvisioningDeps> = async (app, deps) => {
  app.post(
    '/api/admin/devices',
    {
      config: { role: 'admin' },
      ...(deps.preHandler && { preHandler: deps.preHandler }),
      schema: {
        summary: 'Provision an MQTT device: make its key (shown only in this answer) and register it',
        body: ProvisionRequest,
        response: { 201: Provisioned, 400: ErrorSchema },
      },
    },
    async (request, reply) => {
      const { id, name } = request.body;
      const invalid = checkDeviceId(id);
      if (invalid) throw badRequest(invalid);
      const choice = await chooseDialect(deps.credentials, id, request.body.dialect, request.body.topic);
      if (!choice.ok) throw badRequest(choice.detail);
      const { key } = await deps.credentials.provision(id, choice.value);
      const known = deps.devices.get(id);
      const dialect = choice.value?.dialect;
      if (known?.transport !== 'mqtt' || known.dialect !== dialect || (name !== undefined && name !== known.name)) {
        await deps.devices.register({ id, transport: 'mqtt', name: name ?? known?.name ?? id, ...(dialect && { dialect }) });
      }
      reply.status(201);
      return { id, key };
    },
  );
};
