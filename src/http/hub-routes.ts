// The HTTP API's routes, in the order they are registered, wired from the hub's parts. The
// composition root (hub.ts) builds the parts; this list says which route gets which of them.
import type { Logger } from 'pino';
import { energyPricesOf } from '../config/energy-prices.js';
import type { AuthFailureLimiter } from '../core/auth-failure-limiter.js';
import type { Hub } from '../hub.js';
import { controlRoutes } from '../live/control-route.js';
import { pollRoutes } from '../live/poll-route.js';
import { sseRoutes } from '../live/sse-route.js';
import { mqttWebSocketRoute } from '../transports/mqtt/websocket-route.js';
import { VERSION } from '../version.js';
import { authPlugin } from './auth.js';
import { alertRoutes } from './routes/alerts.js';
import { dashboardRoutes, DEFAULT_DASHBOARD_DIR } from './routes/dashboard.js';
import { deviceAdminRoutes } from './routes/device-admin.js';
import { deviceRoutes, deviceView } from './routes/devices.js';
import { energyRoutes } from './routes/energy.js';
import { healthRoutes, type HealthCheck } from './routes/health.js';
import { readingRoutes } from './routes/readings.js';
import { tokenAdminRoutes } from './routes/token-admin.js';
import { route, type RoutePlugin } from './server.js';

export type HubRouteParts = Pick<
  Hub,
  | 'config'
  | 'log'
  | 'store'
  | 'bus'
  | 'metrics'
  | 'devices'
  | 'latest'
  | 'refusals'
  | 'presence'
  | 'commands'
  | 'lifecycle'
  | 'mqtt'
  | 'live'
  | 'tokens'
  | 'tokenConnections'
  | 'alerts'
  | 'homeAssistant'
>;

/** API auth's parts the hub shares with the MQTT broker: one failure limiter for tokens and device keys. */
export interface RouteAuth {
  log: Logger;
  limiter: AuthFailureLimiter;
}

export function hubRoutes(hub: HubRouteParts, auth: RouteAuth, startedAt: number): RoutePlugin[] {
  const { config, store, homeAssistant } = hub;
  const healthChecks: HealthCheck[] = [
    { name: 'store', check: () => store.health() },
    { name: 'broker', check: () => hub.mqtt.health() },
    ...(homeAssistant ? [{ name: 'homeAssistant', check: async () => homeAssistant.health() }] : []),
  ];
  return [
    // first: its hook guards every route registered after it
    route(authPlugin, {
      mode: config.auth === 'off' ? 'off' : 'on',
      tokens: hub.tokens,
      log: auth.log,
      limiter: auth.limiter,
      registry: hub.metrics.registry,
      connections: hub.tokenConnections,
    }),
    route(tokenAdminRoutes, { tokens: hub.tokens }),
    route(healthRoutes, {
      checks: healthChecks,
      version: VERSION,
      startedAt,
      renderMetrics: () => hub.metrics.registry.render(),
      metricsRole: config.metricsAuth === 'viewer' ? 'viewer' : 'public',
    }),
    route(deviceRoutes, {
      devices: hub.devices,
      latest: hub.latest,
      refusals: hub.refusals,
      // Through presence: its history then holds every change the hub has already emitted.
      store: { presenceHistory: (id, limit) => hub.presence.historyOf(id, limit) },
    }),
    route(readingRoutes, { devices: hub.devices, store, maxSamples: config.queryMaxSamples }),
    route(energyRoutes, { prices: energyPricesOf(config) }),
    route(deviceAdminRoutes, {
      lifecycle: hub.lifecycle,
      view: deviceView({ latest: hub.latest, refusals: hub.refusals }),
      broker: () => ({ port: hub.mqtt.port, tls: hub.mqtt.tls }),
    }),
    route(alertRoutes, { alerts: hub.alerts }),
    route(sseRoutes, { live: hub.live }),
    route(pollRoutes, { live: hub.live }),
    route(controlRoutes, {
      commands: hub.commands,
      tracker: hub.live.commandTracker,
      bus: hub.bus,
      log: hub.log.child({ stage: 'control' }),
      registry: hub.metrics.registry,
      keepaliveMs: config.liveHeartbeatMs,
      allowedOrigins: config.liveAllowedOrigins
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean),
    }),
    route(mqttWebSocketRoute, { broker: hub.mqtt }),
    // last: its catch-all GET answers every path no other route claims
    route(dashboardRoutes, { root: DEFAULT_DASHBOARD_DIR }),
  ];
}
