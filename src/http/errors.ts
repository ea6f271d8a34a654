// One error shape for the whole API: {error, message} with the fitting 4xx/5xx status. Routes
// throw HttpError for their own refusals; a query the store refuses (a forged cursor, too many
// windows) is the caller's mistake too, so it is answered 400 here rather than in every route.
import type { FastifyError, FastifyInstance } from 'fastify';
import type { HubLogger } from '../core/logger.js';
import { DeviceAdminError, type DeviceAdminCode } from '../core/device-lifecycle.js';
import { InvalidCursorError, QueryTooLargeError, TooManyWindowsError } from '../core/store.js';

const DEVICE_ADMIN_STATUS: Record<DeviceAdminCode, number> = {
  exists: 409,
  unknown_device: 404,
  bad_id: 400,
  bad_dialect: 400,
  other_transport: 409,
};

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    /** Sent as Retry-After: when a refused client may sensibly ask again. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const badRequest = (message: string) => new HttpError(400, 'bad_request', message);
export const notFound = (message: string) => new HttpError(404, 'not_found', message);

export function installErrorHandling(app: FastifyInstance, log: HubLogger): void {
  app.setErrorHandler((err: FastifyError | HttpError, request, reply) => {
    if (err instanceof HttpError) {
      if (err.retryAfterSeconds !== undefined) reply.header('retry-after', String(err.retryAfterSeconds));
      return reply.status(err.statusCode).send({ error: err.code, message: err.message });
    }
    if (err instanceof InvalidCursorError || err instanceof TooManyWindowsError || err instanceof QueryTooLargeError)
      return reply.status(400).send({ error: 'bad_request', message: err.message });
    if (err instanceof DeviceAdminError) {
      const error =
        err.code === 'bad_id' || err.code === 'bad_dialect' ? 'bad_request' : err.code === 'unknown_device' ? 'not_found' : err.code;
      return reply.status(DEVICE_ADMIN_STATUS[err.code]).send({ error, message: err.message });
    }
    if ((err as FastifyError).validation) return reply.status(400).send({ error: 'bad_request', message: err.message });
    const status = (err as FastifyError).statusCode ?? 500;
    if (status >= 500) {
      log.error({ err, url: request.url }, 'request failed');
      return reply.status(status).send({ error: 'internal', message: 'internal error; see the hub log' });
    }
    return reply.status(status).send({ error: (err as FastifyError).code?.toLowerCase() ?? 'error', message: err.message });
  });
  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send({ error: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` });
  });
}
