// The composition root: the one place that knows every stage. The constructor wires objects
// together without I/O; start() opens the store and starts stages along the data path
// (store → core → transports → live out/HTTP); stop() runs the same list in reverse.
import type { Logger } from 'pino';
import type { Config } from './config/settings.js';
import { CommandService } from './core/commands.js';
import { DeviceRegistry } from './core/devices.js';
import { EventBus } from './core/events.js';
import { Ingest } from './core/ingest.js';
import { LatestReadings } from './core/latest.js';
import { PresenceService } from './core/presence.js';
import { StreamLedger } from './core/streams.js';
import { HttpServer, type RoutePlugin } from './http/server.js';
import { deviceRoutes } from './http/routes/devices.js';
import { healthRoutes, type HealthCheck } from './http/routes/health.js';
import { readingRoutes } from './http/routes/readings.js';
import { HubMetrics } from './observability/hub-metrics.js';
import { createStore } from './storage/create-store.js';
import { Retention } from './storage/retention.js';
import type { Store } from './storage/store.js';
import type { Stage, TransportContext } from './transports/context.js';
import { Simulator } from './transports/simulator/simulator.js';
import { VERSION } from './version.js';

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
  readonly http: HttpServer;
  readonly simulator: Simulator | null;
  private readonly stages: Stage[];
  private started: Stage[] = [];

  constructor(readonly config: Config, readonly log: Logger, options: { store?: Store } = {}) {
    const startedAt = Date.now();
    this.bus = new EventBus((event, err) => log.error({ err, event }, 'event listener failed'));
    this.store = options.store ?? createStore(config);
    const store = this.store;
    this.devices = new DeviceRegistry(store, this.streams, this.bus);
    const coreLog = log.child({ stage: 'core' });
    this.ingest = new Ingest(
      { store, devices: this.devices, streams: this.streams, bus: this.bus, log: coreLog.child({ part: 'ingest' }), metrics: this.metrics },
      { batchSize: config.batchSize, flushIntervalMs: config.flushIntervalMs, maxPending: config.maxPending },
    );
    this.presence = new PresenceService(
      { devices: this.devices, bus: this.bus, store, log: coreLog.child({ part: 'presence' }) },
      { staleFactor: config.staleFactor, defaultIntervalMs: 60_000, checkIntervalMs: 1_000 },
    );
    this.commands = new CommandService({ devices: this.devices, bus: this.bus, store, log: coreLog.child({ part: 'commands' }) });
    this.latest = new LatestReadings(this.bus);

    const transportContext = (name: string): TransportContext => ({
      bus: this.bus, devices: this.devices, ingest: this.ingest, presence: this.presence,
      commands: this.commands, streams: this.streams, log: log.child({ stage: name }),
    });
    this.simulator = config.simulate > 0
      ? new Simulator(transportContext('simulator'), { count: config.simulate, intervalMs: config.simulateIntervalMs })
      : null;

    const healthChecks: HealthCheck[] = [{ name: 'store', check: () => store.health() }];
    const routes: RoutePlugin[] = [
      { plugin: healthRoutes, options: { checks: healthChecks, version: VERSION, startedAt, renderMetrics: () => this.metrics.registry.render() } },
      { plugin: deviceRoutes, options: { devices: this.devices, latest: this.latest, store } },
      { plugin: readingRoutes, options: { devices: this.devices, store } },
    ];
    this.http = new HttpServer({ host: config.httpHost, port: config.httpPort, version: VERSION, log: log.child({ stage: 'http' }) }, routes);
    this.metrics.registry.gauge('hub_pending_readings', 'Readings accepted but not yet written.', () => this.ingest.pendingReadings);
    this.metrics.registry.gauge('hub_devices', 'Known devices by presence.', () => countBy(this.devices.list().map((d) => d.presence), 'presence'));

    this.stages = [
      { name: 'store', start: () => store.open(), stop: () => store.close() },
      { name: 'registry', start: () => this.devices.load(), stop: async () => {} },
      new Retention(store, config.retentionDays, log.child({ stage: 'retention' })),
      { name: 'ingest', start: async () => this.ingest.start(), stop: () => this.ingest.stop() },
      { name: 'latest', start: async () => this.latest.start(), stop: async () => this.latest.stop() },
      { name: 'presence', start: async () => this.presence.start(), stop: async () => this.presence.stop() },
      { name: 'commands', start: () => this.commands.start(), stop: async () => this.commands.stop() },
      ...(this.simulator ? [this.simulator] : []),
      { name: 'http', start: () => this.http.start(), stop: () => this.http.stop() },
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
