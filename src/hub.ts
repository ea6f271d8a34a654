// The composition root: the one place that knows every stage. The constructor wires objects
// together without I/O; start() opens the store and starts stages along the data path
// (store → core → transports → live out/HTTP); stop() runs the same list in reverse.
import path from 'node:path';
import type { Logger } from 'pino';
import { SETTINGS, type Config } from './config/settings.js';
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
import { HttpServer, route } from './http/server.js';
import { deviceRoutes, deviceView } from './http/routes/devices.js';
import { healthRoutes, type HealthCheck } from './http/routes/health.js';
import { readingRoutes } from './http/routes/readings.js';
import { energyRoutes } from './http/routes/energy.js';
import { energyPricesOf } from './config/energy-prices.js';
import { HubMetrics } from './observability/hub-metrics.js';
import { createStore } from './storage/create-store.js';
import { Retention } from './storage/retention.js';
import type { Store } from './core/store.js';
import type { Stage } from './core/stage.js';
import type { TransportContext } from './transports/context.js';
import { Simulator } from './transports/simulator/simulator.js';
import { SerialStage } from './transports/serial/serial-stage.js';
import { VERSION } from './version.js';
// MQTT devices: embedded broker, device keys, MQTT over WebSocket.
import { DeviceCredentials } from './core/credentials.js';
import { DEFAULT_KEY_CHECK_LIMITS, KeyChecks } from './core/key-checks.js';
import { MqttBroker } from './transports/mqtt/broker.js';
import { mqttWebSocketRoute } from './transports/mqtt/websocket-route.js';
import { deviceAdminRoutes } from './http/routes/device-admin.js';
import { DeviceLifecycle } from './core/device-lifecycle.js';
import { RefusalHistory } from './core/refusal-history.js';
// Live push and API auth.
import { AuthBootstrap, TokenService } from './http/auth-tokens.js';
import { authPlugin } from './http/auth.js';
import { TokenConnections } from './http/token-connections.js';
import { tokenAdminRoutes } from './http/routes/token-admin.js';
import { AuthFailureLimiter } from './core/auth-failure-limiter.js';
import { controlRoutes } from './live/control-route.js';
import { LiveService } from './live/live-service.js';
import { pollRoutes } from './live/poll-route.js';
import { sseRoutes } from './live/sse-route.js';
// The browser dashboard (built into dashboard/dist), served at /.
import { dashboardRoutes, DEFAULT_DASHBOARD_DIR } from './http/routes/dashboard.js';
// Alerts: rules judged from the bus, webhooks.
import { AlertService } from './core/alerts/alert-service.js';
import { alertRoutes } from './http/routes/alerts.js';
import { WebhookSender } from './integrations/alert-webhooks/webhook-sender.js';
import { AlertPublisher } from './integrations/alert-mqtt/alert-publisher.js';
// Integrations: the hub's devices published to other systems.
import { HomeAssistantBridge } from './integrations/home-assistant/bridge.js';
import { checkTopicRoot } from './integrations/home-assistant/topics.js';

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

    const keyDerivations = this.metrics.registry.counter(
      'hub_key_derivations_total',
      'Device key checks that ran scrypt, by lane (normal, penalty).',
    );
    const keyChecksBusy = this.metrics.registry.counter(
      'hub_key_checks_busy_total',
      'Device logins refused because too many key checks were running or queued, by reason.',
    );
    this.credentials = new DeviceCredentials(
      store,
      Date.now,
      new KeyChecks(DEFAULT_KEY_CHECK_LIMITS, {
        derived: (penalised) => keyDerivations.inc({ lane: penalised ? 'penalty' : 'normal' }),
        busy: (reason) => keyChecksBusy.inc({ reason }),
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
    this.homeAssistant = config.haMqttUrl
      ? new HomeAssistantBridge(
          {
            bus: this.bus,
            devices: this.devices,
            commands: this.commands,
            log: log.child({ stage: 'home-assistant' }),
            registry: this.metrics.registry,
            alerts: { rules: () => this.alerts.rules.list(), active: () => this.alerts.alerts.activeAlerts() },
          },
          {
            url: config.haMqttUrl,
            username: config.haMqttUsername,
            password: config.haMqttPassword,
            discoveryPrefix: checkTopicRoot(SETTINGS.haDiscoveryPrefix.env, config.haDiscoveryPrefix),
            baseTopic: checkTopicRoot(SETTINGS.haBaseTopic.env, config.haBaseTopic),
            stateIntervalMs: config.haStateIntervalMs,
            commandTimeoutMs: 10_000,
            version: VERSION,
          },
        )
      : null;
    const homeAssistant = this.homeAssistant;
    this.alerts = new AlertService(
      { store, bus: this.bus, devices: this.devices, log: coreLog.child({ part: 'alerts' }) },
      { maxDevices: config.alertMaxDevices, checkIntervalMs: config.alertCheckMs, retentionDays: config.alertRetentionDays },
    );
    const webhookAttempts = this.metrics.registry.counter(
      'hub_alert_webhook_attempts_total',
      'Alert webhook deliveries tried, by outcome (delivered, failed).',
    );
    this.webhooks = new WebhookSender(
      {
        bus: this.bus,
        record: (id, attempt) => {
          webhookAttempts.inc({ outcome: attempt.ok ? 'delivered' : 'failed' });
          return this.alerts.recordDelivery(id, attempt);
        },
        stored: () => this.alerts.alerts.list(),
        running: () => this.running,
        rule: (id) => this.alerts.rules.get(id),
        log: log.child({ stage: 'alert-webhooks' }),
      },
      {
        attempts: 4,
        firstRetryMs: config.alertWebhookRetryMs,
        timeoutMs: 10_000,
        link: (alert) => `${this.http.url}/api/alerts/${alert.id}`,
      },
    );
    this.alertPublisher = new AlertPublisher(
      {
        bus: this.bus,
        broker: this.mqtt,
        active: () => this.alerts.alerts.activeAlerts(),
        rule: (id) => this.alerts.rules.get(id),
        log: log.child({ stage: 'alert-mqtt' }),
      },
      { link: (alert) => `${this.http.url}/api/alerts/${alert.id}` },
    );
    const healthChecks: HealthCheck[] = [
      { name: 'store', check: () => store.health() },
      { name: 'broker', check: () => this.mqtt.health() },
      ...(homeAssistant ? [{ name: 'homeAssistant', check: async () => homeAssistant.health() }] : []),
    ];
    const routes = [
      // first: its hook guards every route registered after it
      route(authPlugin, {
        mode: config.auth === 'off' ? 'off' : 'on',
        tokens: this.tokens,
        log: authLog,
        limiter: authFailures,
        registry: this.metrics.registry,
        connections: this.tokenConnections,
      }),
      route(tokenAdminRoutes, { tokens: this.tokens }),
      route(healthRoutes, {
        checks: healthChecks,
        version: VERSION,
        startedAt,
        renderMetrics: () => this.metrics.registry.render(),
        metricsRole: config.metricsAuth === 'viewer' ? 'viewer' : 'public',
      }),
      route(deviceRoutes, {
        devices: this.devices,
        latest: this.latest,
        refusals: this.refusals,
        // Through presence: its history then holds every change the hub has already emitted.
        store: { presenceHistory: (id, limit) => this.presence.historyOf(id, limit) },
      }),
      route(readingRoutes, { devices: this.devices, store, maxSamples: config.queryMaxSamples }),
      route(energyRoutes, { prices: energyPricesOf(config) }),
      route(deviceAdminRoutes, {
        lifecycle: this.lifecycle,
        view: deviceView({ latest: this.latest, refusals: this.refusals }),
        broker: () => ({ port: this.mqtt.port, tls: this.mqtt.tls }),
      }),
      route(alertRoutes, { alerts: this.alerts }),
      route(sseRoutes, { live: this.live }),
      route(pollRoutes, { live: this.live }),
      route(controlRoutes, {
        commands: this.commands,
        tracker: this.live.commandTracker,
        bus: this.bus,
        log: log.child({ stage: 'control' }),
        registry: this.metrics.registry,
        keepaliveMs: config.liveHeartbeatMs,
        allowedOrigins: config.liveAllowedOrigins
          .split(',')
          .map((o) => o.trim())
          .filter(Boolean),
      }),
      route(mqttWebSocketRoute, { broker: this.mqtt }),
      // last: its catch-all GET answers every path no other route claims
      route(dashboardRoutes, { root: DEFAULT_DASHBOARD_DIR }),
    ];
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
    this.metrics.registry.gauge(
      'hub_key_checks_in_flight',
      'Device key checks running or queued now.',
      () => this.credentials.checks.inFlight,
    );
    this.metrics.registry.gauge('hub_pending_readings', 'Readings accepted but not yet written.', () => this.ingest.pendingReadings);
    this.metrics.registry.gauge('hub_connections', 'Open connections by kind: MQTT clients (TCP and WebSocket) and SSE streams.', () => [
      { labels: { kind: 'mqtt' }, value: this.mqtt.clientCount },
      { labels: { kind: 'sse' }, value: this.live.clientCount },
    ]);
    this.metrics.registry.gauge('hub_alerts_active', 'Active alerts by state (pending, firing).', () =>
      countBy(
        this.alerts.alerts.activeAlerts().map((a) => a.state),
        'state',
      ),
    );
    this.metrics.registry.gauge('hub_devices', 'Known devices by presence.', () =>
      countBy(
        this.devices.list().map((d) => d.presence),
        'presence',
      ),
    );

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

function countBy(values: string[], label: string): Array<{ labels: Record<string, string>; value: number }> {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].map(([v, n]) => ({ labels: { [label]: v }, value: n }));
}
