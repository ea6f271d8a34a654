// The HTTP stage: one fastify instance carrying the REST API, OpenAPI docs and whatever route
// plugins later stages register (live stream, control channel, dashboard).
import { readFileSync } from 'node:fs';
import type { Server as TlsServer } from 'node:tls';
import Fastify, {
  type FastifyInstance,
  type FastifyPluginAsync,
  type FastifyPluginOptions,
  type FastifyTypeProvider,
  type RawServerDefault,
} from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import websocket from '@fastify/websocket';
import type { HubLogger } from '../core/logger.js';
import type { Stage } from '../core/stage.js';
import { installErrorHandling } from './errors.js';

/** A route plugin bound to its options, ready to register; made by route(). */
export interface RoutePlugin {
  register(app: FastifyInstance): Promise<void>;
}

/**
 * Binds a route plugin to its options. The options are checked against the plugin's own options
 * type (NoInfer: they cannot widen it), so a route mounted with the wrong options does not compile.
 */
export function route<O extends FastifyPluginOptions, P extends FastifyTypeProvider>(
  plugin: FastifyPluginAsync<O, RawServerDefault, P>,
  options: NoInfer<O>,
): RoutePlugin {
  return {
    async register(app) {
      await app.register(plugin, options);
    },
  };
}

export class HttpServer implements Stage {
  readonly name = 'http';
  readonly app: FastifyInstance;

  constructor(
    private readonly options: { host: string; port: number; version: string; log: HubLogger; tls?: { certFile: string; keyFile: string } },
    private readonly plugins: RoutePlugin[],
  ) {
    // With a certificate the port speaks HTTPS with HTTP/2, so a browser's many live streams share
    // one connection; HTTP/1.1 stays accepted (and WebSocket upgrades need it). The certificate
    // itself is read in start().
    this.app = options.tls
      ? (Fastify({ logger: false, forceCloseConnections: true, http2: true, https: { allowHTTP1: true } }) as unknown as FastifyInstance)
      : Fastify({ logger: false, forceCloseConnections: true });
  }

  async start(): Promise<void> {
    const { app } = this;
    const { tls } = this.options;
    if (tls) (app.server as unknown as TlsServer).setSecureContext({ cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) });
    installErrorHandling(app, this.options.log);
    await app.register(swagger, {
      openapi: {
        info: {
          title: 'telemetry-hub',
          version: this.options.version,
          description: 'Devices, readings, live stream and control of a telemetry hub.',
        },
      },
    });
    await app.register(swaggerUi, { routePrefix: '/docs' });
    // Registered once here so every plugin can declare `{ websocket: true }` routes.
    await app.register(websocket, { options: { maxPayload: 1024 * 1024 } });
    for (const plugin of this.plugins) await plugin.register(app);
    await app.listen({ host: this.options.host, port: this.options.port });
    this.options.log.info({ url: this.url }, 'HTTP server listening');
  }

  async stop(): Promise<void> {
    await this.app.close();
  }

  get port(): number {
    const address = this.app.server.address();
    return typeof address === 'object' && address ? address.port : 0;
  }

  get url(): string {
    const host = this.options.host === '0.0.0.0' || this.options.host === '::' ? '127.0.0.1' : this.options.host;
    return `${this.options.tls ? 'https' : 'http'}://${host}:${this.port}`;
  }
}
