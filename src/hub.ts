// The composition root: the one place that knows every stage. The constructor wires objects
// together without I/O; start() opens the store and starts stages along the data path
// (store → core → transports → live out/HTTP); stop() runs the same list in reverse.
import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from './config/settings.js';
import { describeStore } from './commands/with-store.js';
import { chooseDialect } from './transports/mqtt/dialects/provision.js';
import { startBanner } from './http/start-banner.js';
import { CommandService } from './core/commands.js';
import { DeviceRegistry } from './core/devices.js';
import { EventBus } from './core/events.js';
import { Ingest } from './core/ingest.js';
import { LatestReadings } from './core/latest.js';
import { PresenceService } from './core/presence.js';
import { StreamLedger } from './core/streams.js';
import { HttpServer } from './http/server.js';
import { hubRoutes } from './http/hub-routes.js';
import { HubMetrics } from './observability/hub-metrics.js';
import { createStore } from './storage/create-store.js';
import { Retention } from './storage/retention.js';
import type { Store } from './core/store.js';
import type { Stage } from './core/stage.js';
import type { TransportContext } from './transports/context.js';
import { Simulator } from './transports/simulator/simulator.js';
import { SerialStage } from './transports/serial/serial-stage.js';
import { VERSION } from './version.js';
// MQTT devices: embedded broker and device keys.
import { DeviceCredentials } from './core/credentials.js';
import { DEFAULT_KEY_CHECK_LIMITS, KeyChecks } from './core/key-checks.js';
import { MqttBroker } from './transports/mqtt/broker.js';
import { DeviceLifecycle } from './core/device-lifecycle.js';
import { RefusalHistory } from './core/refusal-history.js';
// Live push and API auth (the routes each HTTP part gets are in http/hub-routes.ts).
import { AuthBootstrap, TokenService } from './http/auth-tokens.js';
import { TokenConnections } from './http/token-connections.js';
import { AuthFailureLimiter } from './core/auth-failure-limiter.js';
import { LiveService } from './live/live-service.js';
// Alerts: rules judged from the bus.
import { AlertService } from './core/alerts/alert-service.js';
// Integrations: alerts and devices published to other systems (built in integrations.ts).
import { integrations } from './integrations/integrations.js';
import type { WebhookSender } from './integrations/alert-webhooks/webhook-sender.js';
import type { AlertPublisher } from './integrations/alert-mqtt/alert-publisher.js';
import type { HomeAssistantBridge } from './integrations/home-assistant/bridge.js';

export class Hub {
  readonly bus: EventBus;
  readonly store: Store;
  readonly metrics = new HubMetrics();
  readonly streams = new StreamLedger();
  readonly devices: DeviceRegistry;
  readonly ingest: Ingest;
  readonly presence: PresenceService;
  readonly commands: CommandService;
  readonly latest: LatestReadings;
  readonly refusals: RefusalHistory;
  readonly lifecycle: DeviceLifecycle;
  readonly http: HttpServer;
  readonly simulator: Simulator | null;
  readonly credentials: DeviceCredentials;
  readonly mqtt: MqttBroker;
  readonly serial: SerialStage;
  readonly live: LiveService;
  readonly tokens: TokenService;
  readonly tokenConnections: TokenConnections;
  readonly homeAssistant: HomeAssistantBridge | null;
  readonly alerts: AlertService;
  readonly webhooks: WebhookSender;
  readonly alertPublisher: AlertPublisher;
  private readonly stages: Stage[];
  private readonly authBootstrap: AuthBootstrap;
  private readonly print: (text: string) => void;
  private started: Stage[] = [];
  /** Resolves once every stage has started. */
  private readonly running: Promise<void>;
  private markRunning: () => void = () => {};

  constructor(
    readonly config: Config,
    readonly log: Logger,
    options: { store?: Store; print?: (text: string) => void } = {},
  ) {
    this.print = options.print ?? ((text) => process.stdout.write(text));
    this.running = new Promise((resolve) => {
      this.markRunning = resolve;
    });
    const startedAt = Date.now();
    this.bus = new EventBus((event, err) => log.error({ err, event }, 'event listener failed'));
    this.store = options.store ?? createStore(config, log.child({ stage: 'store' }));
    const store = this.store;
    this.devices = new DeviceRegistry(store, this.streams, this.bus, Date.now, config.maxMetricsPerDevice);
    const coreLog = log.child({ stage: 'core' });
    this.ingest = new Ingest(
      { store, devices: this.devices, streams: this.streams, bus: this.bus, log: coreLog.child({ part: 'ingest' }), metrics: this.metrics },
      { batchSize: config.batchSize, flushIntervalMs: config.flushIntervalMs, maxPending: config.maxPending },
    );
    this.presence = new PresenceService(
      { devices: this.devices, bus: this.bus, store, log: coreLog.child({ part: 'presence' }), metrics: this.metrics },
      { staleFactor: config.staleFactor, defaultIntervalMs: 60_000, checkIntervalMs: 1_000 },
    );
    this.commands = new CommandService({ devices: this.devices, bus: this.bus, store, log: coreLog.child({ part: 'commands' }) });
    this.latest = new LatestReadings(this.bus, store);
    this.refusals = new RefusalHistory(this.bus);

    this.credentials = new DeviceCredentials(
      store,
      Date.now,
      new KeyChecks(DEFAULT_KEY_CHECK_LIMITS, {
        derived: (penalised) => this.metrics.keyDerived(penalised),
        busy: (reason) => this.metrics.keyCheckBusy(reason),
      }),
    );
    const transportContext = (name: string): TransportContext => ({
      bus: this.bus,
      devices: this.devices,
      ingest: this.ingest,
      presence: this.presence,
      commands: this.commands,
      streams: this.streams,
      log: log.child({ stage: name }),
      metrics: this.metrics,
      credentials: this.credentials,
    });
    // One limiter for API tokens and device keys: a guesser gains nothing by switching protocol.
    const authFailures = new AuthFailureLimiter(config.authFailureLimit, 60_000);
    this.mqtt = new MqttBroker(transportContext('mqtt'), {
      host: config.mqttHost,
      port: config.mqttPort,
      allowAnonymous: config.mqttAllowAnonymous,
      maxPayload: config.mqttMaxPayload,
      loginLimiter: authFailures,
      tlsCert: config.mqttTlsCert || undefined,
      tlsKey: config.mqttTlsKey || undefined,
      keyRecheckMs: config.credentialRecheckMs,
      // Alert readers log in with an API token; with auth off, as on the API, any token passes.
      tokenLogins: {
        verify: async (token) => (config.auth === 'off' ? 'auth-off' : ((await this.tokens.verify(token))?.tokenId ?? null)),
        track: (tokenId, close) => this.tokenConnections.track(tokenId, close),
      },
    });
    this.lifecycle = new DeviceLifecycle({
      devices: this.devices,
      credentials: this.credentials,
      chooseDialect: (id, dialect, topic) => chooseDialect(this.credentials, id, dialect, topic),
      store,
      streams: this.streams,
      bus: this.bus,
      settled: (id) => this.ingest.settled(id),
      disconnect: (id, reason) => this.mqtt.disconnectDevice(id, reason),
    });
    this.simulator =
      config.simulate > 0
        ? new Simulator(transportContext('simulator'), {
            count: config.simulate,
            intervalMs: config.simulateIntervalMs,
            broker: () => ({ url: this.mqtt.url, tls: this.mqtt.tls }),
          })
        : null;
    this.serial = new SerialStage(transportContext('serial'), {
      devicesFile: config.devicesFile,
      dataDir: config.dataDir,
      reconnectMaxMs: config.serialReconnectMaxMs,
    });

    // Live push and API auth.
    const authLog = log.child({ stage: 'auth' });
    this.tokens = new TokenService(store, {
      recheckMs: config.credentialRecheckMs,
      onError: (err) => authLog.warn({ err }, 'the last use of an API token could not be stored'),
    });
    this.tokenConnections = new TokenConnections(this.tokens, {
      recheckMs: config.credentialRecheckMs,
      log: authLog,
      registry: this.metrics.registry,
    });
    this.live = new LiveService(this.bus, log.child({ stage: 'live' }), this.metrics.registry, {
      heartbeatMs: config.liveHeartbeatMs,
      historySize: config.liveHistorySize,
      historyAgeMs: config.liveHistoryAgeMs,
      clientQueue: config.liveClientQueue,
      retryMs: config.liveRetryMs,
      maxConnectionsPerOwner: config.liveMaxConnectionsPerToken,
      maxConnections: config.liveMaxConnections,
      // With auth off every caller is the same admin: count per remote address instead.
      connectionsBy: config.auth === 'off' ? 'address' : 'token',
    });
    this.alerts = new AlertService(
      { store, bus: this.bus, devices: this.devices, log: coreLog.child({ part: 'alerts' }) },
      { maxDevices: config.alertMaxDevices, checkIntervalMs: config.alertCheckMs, retentionDays: config.alertRetentionDays },
    );
    // Alert webhooks, alerts on MQTT and the Home Assistant bridge.
    const outputs = integrations(this, { apiUrl: () => this.http.url, running: () => this.running });
    this.webhooks = outputs.webhooks;
    this.alertPublisher = outputs.alertPublisher;
    this.homeAssistant = outputs.homeAssistant;
    const routes = hubRoutes(this, { log: authLog, limiter: authFailures }, startedAt);
    this.http = new HttpServer(
      {
        host: config.httpHost,
        port: config.httpPort,
        version: VERSION,
        log: log.child({ stage: 'http' }),
        tls: config.httpTlsCert && config.httpTlsKey ? { certFile: config.httpTlsCert, keyFile: config.httpTlsKey } : undefined,
      },
      routes,
    );
    this.metrics.watch({
      keyChecksInFlight: () => this.credentials.checks.inFlight,
      pendingReadings: () => this.ingest.pendingReadings,
      mqttClients: () => this.mqtt.clientCount,
      sseClients: () => this.live.clientCount,
      alertStates: () => this.alerts.alerts.activeAlerts().map((a) => a.state),
      devicePresences: () => this.devices.list().map((d) => d.presence),
    });

    this.authBootstrap = new AuthBootstrap(this.tokens, {
      mode: config.auth === 'off' ? 'off' : 'on',
      dataDir: config.dataDir,
      log: log.child({ stage: 'auth' }),
      print: () => {}, // the start banner shows a new token, in the dashboard link
    });
    this.stages = [
      store,
      this.devices, // loads the known devices and their stream heads
      new Retention(store, config.retentionDays, log.child({ stage: 'retention' })),
      this.ingest,
      this.latest,
      this.refusals,
      this.presence,
      this.commands,
      this.authBootstrap,
      this.tokenConnections,
      this.live,
      // after live (alert events reach the stream) and before the inputs (no reading goes unjudged)
      this.alerts,
      // after the alerts, whose loaded rules its resumed deliveries need (the alerts emit nothing
      // before inputs open or their first clock check, and no delivery is started twice)
      this.webhooks,
      // after live and before the inputs: it sees every device event from the first one on; after
      // the alerts, whose rules become its binary sensors
      ...(this.homeAssistant ? [this.homeAssistant] : []),
      this.mqtt, // before the simulator: simulated devices are MQTT clients of this broker
      ...(this.simulator ? [this.simulator] : []),
      this.serial,
      this.http,
      // after the broker, whose retained alert states it fills again with the active alerts, and
      // after http, whose address its links carry
      this.alertPublisher,
    ];
  }

  async start(): Promise<void> {
    for (const stage of this.stages) {
      try {
        await stage.start();
      } catch (err) {
        this.log.error({ err, stage: stage.name }, 'stage failed to start; stopping the stages already started');
        await this.stop();
        throw err;
      }
      this.started.push(stage);
    }
    this.log.info({ http: this.http.url, store: this.store.kind, version: VERSION }, 'telemetry-hub started');
    this.markRunning();
    this.print(this.banner());
  }

  /** The human-readable block of where things are (http/start-banner.ts). */
  banner(): string {
    const { config } = this;
    return startBanner({
      version: VERSION,
      http: { host: config.httpHost, port: this.http.port, tls: Boolean(config.httpTlsCert && config.httpTlsKey) },
      mqtt: { host: config.mqttHost, port: this.mqtt.port, tls: this.mqtt.tls },
      auth:
        config.auth === 'off'
          ? { mode: 'off' }
          : { mode: 'on', created: this.authBootstrap.created, file: path.resolve(config.dataDir, 'admin-token') },
      store: describeStore(config),
    });
  }

  /** Stops in reverse: inputs close first, then ingest flushes what is pending, the store closes last. */
  async stop(): Promise<void> {
    for (const stage of this.started.reverse()) {
      try {
        await stage.stop();
      } catch (err) {
        this.log.error({ err, stage: stage.name }, 'stage failed to stop cleanly');
      }
    }
    this.started = [];
  }
}
