// The embedded MQTT broker (aedes): devices connect over TCP (or TLS) on the MQTT port, or over
// WebSocket at /mqtt on the hub's HTTP server. The broker authenticates devices, enforces the
// topic ACL, feeds telemetry into ingest, acks streams once durable, tracks presence from
// connections and last wills, and carries commands. See docs/protocol.md for the topics. With
// `tokenLogins`, API-token holders may also log in to read the alert topics (alert-readers.ts).
import type { AuthFailureLimiter } from '../../core/auth-failure-limiter.js';
import { readFile } from 'node:fs/promises';
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { Aedes, type Client } from 'aedes';
import { checkDeviceId } from '../../core/model.js';
import type { Stage } from '../../core/stage.js';
import type { TransportContext } from '../context.js';
import { Connections } from './connections.js';
import { AlertReaders, type TokenLogins } from './alert-readers.js';
import { DeviceCommands } from './device-commands.js';
import { DeviceMessages, QUARANTINE_PREFIX } from './device-messages.js';
import { Gatekeeper } from './gatekeeper.js';
import { KeyWatch } from './key-watch.js';
import { Outbox } from './outbox.js';
import { limitPacketSize } from './packet-limit.js';
import { MqttRefusals } from './refusals.js';
import { DialectSessions } from './sessions.js';

export interface MqttBrokerOptions {
  host: string;
  port: number;
  allowAnonymous: boolean;
  maxPayload: number;
  /** Failed logins per remote address before it is refused for a while. */
  loginLimiter: AuthFailureLimiter;
  /** PEM files; when both are set the MQTT port speaks TLS only. */
  tlsCert?: string;
  tlsKey?: string;
  /** How often the keys of connected devices are re-read, to close sessions whose key another process replaced or removed. */
  keyRecheckMs?: number;
  /** API tokens, for clients that read the alert topics; without it only devices log in. */
  tokenLogins?: TokenLogins;
}

export class MqttBroker implements Stage {
  readonly name = 'mqtt';
  private aedes: Aedes | null = null;
  private server: Server | null = null;
  private readonly connections: Connections;
  private readonly sessions = new DialectSessions();
  private readonly commands: DeviceCommands;
  private readonly outbox: Outbox;
  private readonly refusals: MqttRefusals;
  private readonly gatekeeper: Gatekeeper;
  private readonly messages: DeviceMessages;
  private readonly keyWatch: KeyWatch;
  private readonly readers: AlertReaders | null;

  constructor(
    private readonly ctx: TransportContext,
    private readonly options: MqttBrokerOptions,
  ) {
    if (!ctx.credentials) throw new Error('the MQTT broker needs the device credentials in its transport context');
    this.commands = new DeviceCommands({
      commands: ctx.commands,
      sessions: this.sessions,
      publish: (deviceId, publish) => this.outbox.send(deviceId, publish),
      log: ctx.log,
    });
    this.connections = new Connections(ctx.presence, ctx.commands, this.commands);
    this.outbox = new Outbox(
      () => this.aedes,
      (id) => ctx.streams.head(id),
      (id) => ctx.ingest.settled(id),
      options.maxPayload,
      ctx.log,
    );
    this.refusals = new MqttRefusals({ metrics: ctx.metrics, bus: ctx.bus, log: ctx.log, outbox: this.outbox });
    this.gatekeeper = new Gatekeeper({
      credentials: ctx.credentials,
      devices: ctx.devices,
      connections: this.connections,
      sessions: this.sessions,
      refusals: this.refusals,
      metrics: ctx.metrics,
      log: ctx.log,
      allowAnonymous: options.allowAnonymous,
      limiter: options.loginLimiter,
    });
    this.keyWatch = new KeyWatch(
      {
        credentials: ctx.credentials,
        connected: () => this.connections.devices,
        disconnect: (id, reason) => this.disconnectDevice(id, reason),
        log: ctx.log,
      },
      options.keyRecheckMs ?? 3000,
    );
    this.messages = new DeviceMessages({
      ctx,
      connections: this.connections,
      sessions: this.sessions,
      commands: this.commands,
      outbox: this.outbox,
      refusals: this.refusals,
      log: ctx.log,
      maxPayload: options.maxPayload,
    });
    const credentials = ctx.credentials;
    this.readers = options.tokenLogins
      ? new AlertReaders({
          logins: options.tokenLogins,
          isDeviceClientId: async (id) =>
            this.connections.holderOf(id) !== undefined ||
            (checkDeviceId(id) === null && (ctx.devices.get(id) !== undefined || (await credentials.exists(id)))),
          limiter: options.loginLimiter,
          log: ctx.log,
        })
      : null;
  }

  async start(): Promise<void> {
    const readers = this.readers;
    const aedes = new Aedes({
      authenticate: (client, username, password, done) =>
        readers?.claims(username)
          ? readers.authenticate(client, password, done)
          : this.gatekeeper.authenticate(client, username, password, done),
      authorizeSubscribe: (client, sub, done) =>
        readers?.has(client) ? readers.authorizeSubscribe(client, sub, done) : this.gatekeeper.authorizeSubscribe(client, sub, done),
      authorizePublish: (client, packet, done) =>
        readers?.has(client) ? readers.refusePublish(client!, packet, done) : this.messages.authorizePublish(client, packet, done),
      authorizeForward: (_client, packet) => (packet.topic.startsWith(QUARANTINE_PREFIX) ? null : packet),
      // Messages routed at once. Past this limit mqemitter queues them and drains the queue
      // recursively, which overflows the stack under a burst of QoS 1 telemetry (the hub's own
      // ack deliveries hold slots while devices publish); a high limit keeps that queue empty.
      concurrency: 100_000,
      // Longest a device may take to send CONNECT, and to drain what the hub sends it.
      connectTimeout: 10_000,
      drainTimeout: 30_000,
    });
    await aedes.listen();
    this.aedes = aedes;
    this.wireEvents(aedes);
    readers?.attach(aedes);
    this.ctx.commands.acceptKind('mqtt');
    this.server = await this.listen();
    this.keyWatch.start();
    this.ctx.log.info({ url: this.url, anonymous: this.options.allowAnonymous }, 'MQTT broker listening');
  }

  async stop(): Promise<void> {
    this.keyWatch.stop();
    this.outbox.cancel();
    const server = this.server;
    const aedes = this.aedes;
    this.server = null;
    const serverClosed = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
    if (aedes) await new Promise<void>((resolve) => aedes.close(() => resolve()));
    await serverClosed;
    this.aedes = null;
  }

  /** Hands a connection (TCP, TLS or the WebSocket route's stream) to the broker. */
  handle(stream: Duplex, request?: IncomingMessage): void {
    if (!this.aedes || this.aedes.closed) {
      stream.destroy();
      return;
    }
    const client = this.aedes.handle(stream, request);
    const limited = limitPacketSize(client, this.options.maxPayload, (bytes) => {
      this.ctx.metrics?.frameRefused('mqtt', 'too_large');
      this.ctx.log.warn(
        { clientId: client.id, deviceId: this.connections.deviceId(client), bytes },
        'mqtt packet too large; connection closed',
      );
    });
    if (!limited) this.ctx.log.debug({}, 'packet size cap unavailable with this aedes version');
  }

  get port(): number {
    const address = this.server?.address();
    return typeof address === 'object' && address ? address.port : 0;
  }

  /** Where a client on this machine reaches the broker. */
  get url(): string {
    const host = this.options.host === '0.0.0.0' || this.options.host === '::' ? '127.0.0.1' : this.options.host;
    return `${this.tls ? 'mqtts' : 'mqtt'}://${host}:${this.port}`;
  }

  get tls(): boolean {
    return Boolean(this.options.tlsCert && this.options.tlsKey);
  }

  /** MQTT connections open now (devices and any other clients), for /metrics. */
  get clientCount(): number {
    return this.aedes && !this.aedes.closed ? this.aedes.connectedClients : 0;
  }

  async health(): Promise<{ ok: boolean; detail?: string; clients?: number; devices?: number }> {
    if (!this.aedes || this.aedes.closed || !this.server?.listening) return { ok: false, detail: 'broker not running' };
    return { ok: true, clients: this.aedes.connectedClients, devices: this.connections.deviceCount };
  }

  /** Publishes from the hub itself (QoS 1); false when the broker is not running. */
  publish(topic: string, payload: string, retain: boolean): Promise<boolean> {
    const aedes = this.aedes;
    if (!aedes || aedes.closed) return Promise.resolve(false);
    return new Promise((resolve) =>
      aedes.publish({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: 1, retain, dup: false }, (err) => resolve(!err)),
    );
  }

  /** Closes every open connection of the device (it was removed, or its key replaced); returns how many. */
  disconnectDevice(deviceId: string, reason: string): number {
    const clients = this.connections.clientsOf(deviceId);
    for (const client of clients) {
      this.connections.noteCloseReason(client, reason);
      client.close();
    }
    if (clients.length > 0) this.ctx.log.info({ deviceId, connections: clients.length, reason }, 'device disconnected by the hub');
    return clients.length;
  }

  private wireEvents(aedes: Aedes): void {
    const log = this.ctx.log;
    aedes.on('clientReady', (client) => this.connections.ready(client));
    aedes.on('clientDisconnect', (client) => this.connections.disconnected(client));
    aedes.on('keepaliveTimeout', (client) => this.connections.noteCloseReason(client, 'keepalive timeout'));
    aedes.on('clientError', (client, err) => {
      this.connections.noteCloseReason(client, `connection error: ${err.message}`);
      log.debug({ clientId: client.id, deviceId: this.connections.deviceId(client), err: err.message }, 'mqtt client error');
    });
    aedes.on('connectionError', (client, err) =>
      log.info({ clientId: client.id, err: err.message }, 'mqtt connection failed before CONNECT completed'),
    );
    aedes.on('subscribe', (subscriptions, client) =>
      this.onSubscribe(
        client,
        subscriptions.map((s) => s.topic),
      ),
    );
    (aedes as unknown as NodeJS.EventEmitter).on('error', (err: Error) => log.error({ err }, 'mqtt broker error'));
  }

  /** A device that (re)subscribes learns its stream head and gets the commands it has not answered. */
  private onSubscribe(client: Client, topics: string[]): void {
    const deviceId = this.connections.deviceId(client);
    if (!deviceId) return;
    const session = this.sessions.of(deviceId);
    const meant = topics.map((topic) => session.subscribed(topic));
    if (meant.some((m) => m.resume)) void this.outbox.resume(deviceId);
    if (meant.some((m) => m.commands)) {
      this.ctx.commands.redeliver(deviceId).catch((err: unknown) => this.ctx.log.error({ err, deviceId }, 'command redelivery failed'));
    }
  }

  private async listen(): Promise<Server> {
    const onConnection = (socket: Socket) => {
      socket.on('error', () => {}); // reported through aedes' clientError; a reset socket must not crash the hub
      this.handle(socket);
    };
    const server = this.tls
      ? createTlsServer({ cert: await readFile(this.options.tlsCert!), key: await readFile(this.options.tlsKey!) }, onConnection)
      : createTcpServer(onConnection);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => this.ctx.log.error({ err }, 'MQTT listener error'));
    return server;
  }
}
