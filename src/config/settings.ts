// The one settings schema: every setting's environment variable, command-line flag, type, range,
// default and description. Parsing, validation, `--help` and the README's configuration table
// all come from this list, so they cannot drift apart.

type Kind = 'int' | 'number' | 'string' | 'boolean';

interface SettingSpec {
  env: string;
  flag: string;
  kind: Kind;
  default: string | number | boolean;
  min?: number;
  max?: number;
  choices?: readonly string[];
  doc: string;
}

export const SETTINGS = {
  httpPort: {
    env: 'HUB_HTTP_PORT',
    flag: '--http-port',
    kind: 'int',
    default: 8080,
    min: 0,
    max: 65535,
    doc: 'HTTP port for the REST API, the live stream and the dashboard (0 picks a free port).',
  },
  httpHost: { env: 'HUB_HTTP_HOST', flag: '--http-host', kind: 'string', default: '0.0.0.0', doc: 'Address the HTTP server listens on.' },
  mqttPort: {
    env: 'HUB_MQTT_PORT',
    flag: '--mqtt-port',
    kind: 'int',
    default: 1883,
    min: 0,
    max: 65535,
    doc: 'TCP port of the embedded MQTT broker (0 picks a free port).',
  },
  // MQTT broker: TLS, anonymous access and payload limit.
  mqttHost: {
    env: 'HUB_MQTT_HOST',
    flag: '--mqtt-host',
    kind: 'string',
    default: '0.0.0.0',
    doc: 'Address the embedded MQTT broker listens on.',
  },
  mqttTlsCert: {
    env: 'HUB_MQTT_TLS_CERT',
    flag: '--mqtt-tls-cert',
    kind: 'string',
    default: '',
    doc: 'PEM certificate file; with HUB_MQTT_TLS_KEY the broker port speaks MQTT over TLS only.',
  },
  mqttTlsKey: {
    env: 'HUB_MQTT_TLS_KEY',
    flag: '--mqtt-tls-key',
    kind: 'string',
    default: '',
    doc: 'PEM private key file for HUB_MQTT_TLS_CERT.',
  },
  mqttAllowAnonymous: {
    env: 'HUB_MQTT_ALLOW_ANONYMOUS',
    flag: '--mqtt-allow-anonymous',
    kind: 'boolean',
    default: false,
    doc: 'Development only: MQTT clients may connect without a device key; the client id is the device id.',
  },
  mqttMaxPayload: {
    env: 'HUB_MQTT_MAX_PAYLOAD',
    flag: '--mqtt-max-payload',
    kind: 'int',
    default: 262_144,
    min: 256,
    max: 16_777_216,
    doc: 'Largest MQTT payload in bytes the hub accepts from a device; larger ones are refused with a reason.',
  },
  dataDir: {
    env: 'HUB_DATA_DIR',
    flag: '--data-dir',
    kind: 'string',
    default: './data',
    doc: 'Directory of the embedded SQLite store and other hub state.',
  },
  mongodbUri: {
    env: 'MONGODB_URI',
    flag: '--mongodb-uri',
    kind: 'string',
    default: '',
    doc: 'When set, readings go to this MongoDB instead of the embedded store.',
  },
  storeThread: {
    env: 'HUB_STORE_THREAD',
    flag: '--store-thread',
    kind: 'string',
    default: 'worker',
    choices: ['worker', 'main'],
    doc: 'Where the embedded SQLite store runs: "worker" (a thread of its own, so MQTT, acks and live pushes go on while a batch is written and synced) or "main" (on the event loop). Acks wait for the durable commit either way.',
  },
  // MongoDB store: how long start waits for the server.
  mongodbStartTimeoutMs: {
    env: 'HUB_MONGODB_START_TIMEOUT_MS',
    flag: '--mongodb-start-timeout-ms',
    kind: 'int',
    default: 30_000,
    min: 0,
    max: 3_600_000,
    doc: 'How long start retries an unreachable MongoDB (backoff from 250 ms up to 5 s) before it fails with an error.',
  },
  simulate: {
    env: 'HUB_SIMULATE',
    flag: '--simulate',
    kind: 'int',
    default: 0,
    min: 0,
    max: 10_000,
    doc: 'Number of simulated devices to start; they use the same ingest path as real ones.',
  },
  simulateIntervalMs: {
    env: 'HUB_SIMULATE_INTERVAL_MS',
    flag: '--simulate-interval-ms',
    kind: 'int',
    default: 1000,
    min: 10,
    max: 3_600_000,
    doc: 'Sample interval of each simulated device.',
  },
  retentionDays: {
    env: 'HUB_RETENTION_DAYS',
    flag: '--retention-days',
    kind: 'number',
    default: 0,
    min: 0,
    max: 36_500,
    doc: 'Readings (whole hour buckets), presence history and finished commands (acked, failed, expired) older than this many days are dropped, at start and hourly; queued and sent commands are kept; 0 keeps everything.',
  },
  batchSize: {
    env: 'HUB_BATCH_SIZE',
    flag: '--batch-size',
    kind: 'int',
    default: 5000,
    min: 1,
    max: 100_000,
    doc: 'Most readings in one store write (a single larger message is written alone); a backlog goes out in writes of this size. A write starts without waiting for HUB_FLUSH_INTERVAL_MS once this many are pending.',
  },
  flushIntervalMs: {
    env: 'HUB_FLUSH_INTERVAL_MS',
    flag: '--flush-interval-ms',
    kind: 'int',
    default: 0,
    min: 0,
    max: 60_000,
    doc: 'Extra wait before a store write starts, to gather more readings per write. 0: a write starts as soon as the previous one is done and takes everything that queued meanwhile.',
  },
  maxPending: {
    env: 'HUB_MAX_PENDING',
    flag: '--max-pending',
    kind: 'int',
    default: 100_000,
    min: 1,
    max: 10_000_000,
    doc: 'Unwritten readings held while the store is slow or down; beyond this messages are refused and devices resend.',
  },
  maxMetricsPerDevice: {
    env: 'HUB_MAX_METRICS_PER_DEVICE',
    flag: '--max-metrics-per-device',
    kind: 'int',
    default: 500,
    min: 1,
    max: 100_000,
    doc: "Distinct metric names one device may have; readings of further new names are refused (reason on the device's error topic or `err` frame) and counted as too_many_metrics.",
  },
  queryMaxSamples: {
    env: 'HUB_QUERY_MAX_SAMPLES',
    flag: '--query-max-samples',
    kind: 'int',
    default: 2_000_000,
    min: 1000,
    max: 1_000_000_000,
    doc: 'Most samples one aggregate may unpack one by one (hours a window boundary cuts, as with every=3599s); hours inside one window are answered from their summaries. Past it the query is refused with 400.',
  },
  staleFactor: {
    env: 'HUB_STALE_FACTOR',
    flag: '--stale-factor',
    kind: 'number',
    default: 3,
    min: 1,
    max: 1000,
    doc: 'A connected device silent for this many sample intervals is shown as stale.',
  },
  // Serial devices: the devices file and how hard a vanished port is retried.
  devicesFile: {
    env: 'HUB_DEVICES_FILE',
    flag: '--devices-file',
    kind: 'string',
    default: '',
    doc: 'YAML or JSON file listing serial devices (Firmata boards, line-protocol firmware, DSMR meters); unset means `<HUB_DATA_DIR>/devices.yml`, a missing file means no serial devices.',
  },
  serialReconnectMaxMs: {
    env: 'HUB_SERIAL_RECONNECT_MAX_MS',
    flag: '--serial-reconnect-max-ms',
    kind: 'int',
    default: 5000,
    min: 10,
    max: 600_000,
    doc: 'Longest wait between attempts to reopen a serial port that vanished (the wait doubles from 250 ms up to this).',
  },
  logLevel: {
    env: 'HUB_LOG_LEVEL',
    flag: '--log-level',
    kind: 'string',
    default: 'info',
    choices: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'],
    doc: 'Log level (pino); logs go to stdout.',
  },
  logFormat: {
    env: 'HUB_LOG_FORMAT',
    flag: '--log-format',
    kind: 'string',
    default: 'auto',
    choices: ['auto', 'pretty', 'json'],
    doc: 'How logs look: "pretty" (readable lines, pino-pretty), "json" (one JSON object per line) or "auto": pretty when stdout is a terminal, JSON otherwise.',
  },
  // API auth, HTTPS/HTTP/2 and live push (SSE stream, long-poll, WebSocket control).
  auth: {
    env: 'HUB_AUTH',
    flag: '--auth',
    kind: 'string',
    default: 'on',
    choices: ['on', 'off'],
    doc: 'API tokens required for /api (viewer, operator, admin); "off" is for development only: every caller is admin.',
  },
  metricsAuth: {
    env: 'HUB_METRICS_AUTH',
    flag: '--metrics-auth',
    kind: 'string',
    default: 'public',
    choices: ['public', 'viewer'],
    doc: '"public" serves /metrics to anyone (the Prometheus convention); "viewer" asks for an API token of at least the viewer role (Prometheus: `authorization: {credentials: <token>}`).',
  },
  authFailureLimit: {
    env: 'HUB_AUTH_FAILURE_LIMIT',
    flag: '--auth-failure-limit',
    kind: 'int',
    default: 20,
    min: 1,
    max: 100_000,
    doc: 'Failed API token checks and MQTT logins per remote address and minute before that address is refused (HTTP 429, MQTT CONNACK 3) for the rest of the minute.',
  },
  credentialRecheckMs: {
    env: 'HUB_CREDENTIAL_RECHECK_MS',
    flag: '--credential-recheck-ms',
    kind: 'int',
    default: 3000,
    min: 100,
    max: 60_000,
    doc: 'How often a running hub re-reads API tokens and device keys from the store, so a token revoked or a key replaced by the CLI (another process) is refused and its open streams, polls, control channels and MQTT sessions are closed within this time.',
  },
  httpTlsCert: {
    env: 'HUB_HTTP_TLS_CERT',
    flag: '--http-tls-cert',
    kind: 'string',
    default: '',
    doc: 'PEM certificate file; with HUB_HTTP_TLS_KEY the HTTP port speaks HTTPS with HTTP/2 (HTTP/1.1 still accepted).',
  },
  httpTlsKey: {
    env: 'HUB_HTTP_TLS_KEY',
    flag: '--http-tls-key',
    kind: 'string',
    default: '',
    doc: 'PEM private key file for HUB_HTTP_TLS_CERT.',
  },
  liveHeartbeatMs: {
    env: 'HUB_LIVE_HEARTBEAT_MS',
    flag: '--live-heartbeat-ms',
    kind: 'int',
    default: 15_000,
    min: 100,
    max: 600_000,
    doc: 'Interval of the comment heartbeat on SSE streams and of the WebSocket keepalive ping.',
  },
  liveHistorySize: {
    env: 'HUB_LIVE_HISTORY_SIZE',
    flag: '--live-history-size',
    kind: 'int',
    default: 10_000,
    min: 1,
    max: 1_000_000,
    doc: 'Live events kept for clients that resume with Last-Event-ID; older ones get a reset event.',
  },
  liveHistoryAgeMs: {
    env: 'HUB_LIVE_HISTORY_AGE_MS',
    flag: '--live-history-age-ms',
    kind: 'int',
    default: 300_000,
    min: 1_000,
    max: 86_400_000,
    doc: 'Longest a live event is kept for resuming clients.',
  },
  liveRetryMs: {
    env: 'HUB_LIVE_RETRY_MS',
    flag: '--live-retry-ms',
    kind: 'int',
    default: 3_000,
    min: 100,
    max: 600_000,
    doc: 'Reconnect delay the SSE stream announces to clients (its `retry` field).',
  },
  liveClientQueue: {
    env: 'HUB_LIVE_CLIENT_QUEUE',
    flag: '--live-client-queue',
    kind: 'int',
    default: 1_000,
    min: 1,
    max: 1_000_000,
    doc: 'Events an SSE client may fall behind before the hub disconnects it (it reconnects and resumes); a resume replays the history through the same bound, and a long-poll answer carries at most this many events.',
  },
  liveMaxConnectionsPerToken: {
    env: 'HUB_LIVE_MAX_CONNECTIONS_PER_TOKEN',
    flag: '--live-max-connections-per-token',
    kind: 'int',
    default: 100,
    min: 1,
    max: 1_000_000,
    doc: 'Live connections (SSE streams and long-polls, counted together) one API token may hold open at once; with HUB_AUTH=off, one remote address. The next is refused with 429 too_many_connections.',
  },
  liveMaxConnections: {
    env: 'HUB_LIVE_MAX_CONNECTIONS',
    flag: '--live-max-connections',
    kind: 'int',
    default: 10_000,
    min: 1,
    max: 1_000_000,
    doc: 'Live connections (SSE streams and long-polls together) the hub holds open at once, over all tokens; the next is refused with 429 too_many_connections.',
  },
  liveAllowedOrigins: {
    env: 'HUB_LIVE_ALLOWED_ORIGINS',
    flag: '--live-allowed-origins',
    kind: 'string',
    default: '',
    doc: 'Comma-separated browser origins, besides the hub\'s own, allowed on the WebSocket control channel ("*" for any).',
  },
  // Home Assistant: the bridge to an external MQTT broker (off while HUB_HA_MQTT_URL is unset).
  haMqttUrl: {
    env: 'HUB_HA_MQTT_URL',
    flag: '--ha-mqtt-url',
    kind: 'string',
    default: '',
    doc: 'MQTT broker Home Assistant uses (`mqtt://host:1883`, `mqtts://…`); when set, every device is published there through MQTT discovery. Unset: no Home Assistant bridge.',
  },
  haMqttUsername: {
    env: 'HUB_HA_MQTT_USERNAME',
    flag: '--ha-mqtt-username',
    kind: 'string',
    default: '',
    doc: "User name for HUB_HA_MQTT_URL's broker.",
  },
  haMqttPassword: {
    env: 'HUB_HA_MQTT_PASSWORD',
    flag: '--ha-mqtt-password',
    kind: 'string',
    default: '',
    doc: 'Password for HUB_HA_MQTT_USERNAME.',
  },
  haDiscoveryPrefix: {
    env: 'HUB_HA_DISCOVERY_PREFIX',
    flag: '--ha-discovery-prefix',
    kind: 'string',
    default: 'homeassistant',
    doc: "Home Assistant's discovery prefix: configs go to `<prefix>/<component>/<node>/<object>/config`, and `<prefix>/status` is its birth message.",
  },
  haBaseTopic: {
    env: 'HUB_HA_BASE_TOPIC',
    flag: '--ha-base-topic',
    kind: 'string',
    default: 'telemetry-hub',
    doc: "Topic under which the hub publishes state, availability and takes commands for Home Assistant; it also makes the entities' unique ids, so give each hub on one broker its own.",
  },
  haStateIntervalMs: {
    env: 'HUB_HA_STATE_INTERVAL_MS',
    flag: '--ha-state-interval-ms',
    kind: 'int',
    default: 1000,
    min: 0,
    max: 3_600_000,
    doc: 'Shortest time between two state publishes of one device to Home Assistant; readings in between are folded into the next one (0: every reading).',
  },
  // Alerts: rule scope, the clock's checks, webhook retries, how long resolved alerts are kept.
  alertMaxDevices: {
    env: 'HUB_ALERT_MAX_DEVICES',
    flag: '--alert-max-devices',
    kind: 'int',
    default: 1000,
    min: 1,
    max: 1_000_000,
    doc: 'Most devices one alert rule may watch; a rule whose scope matches more is refused (name the devices instead).',
  },
  alertCheckMs: {
    env: 'HUB_ALERT_CHECK_MS',
    flag: '--alert-check-ms',
    kind: 'int',
    default: 1000,
    min: 10,
    max: 600_000,
    doc: 'How often absence and presence rules are checked against the clock (one timer for all of them).',
  },
  alertWebhookRetryMs: {
    env: 'HUB_ALERT_WEBHOOK_RETRY_MS',
    flag: '--alert-webhook-retry-ms',
    kind: 'int',
    default: 2000,
    min: 1,
    max: 600_000,
    doc: 'Wait before the first retry of a failed alert webhook; it doubles for each of the further attempts (four in all).',
  },
  // Energy view: optional prices that turn meter totals into cost.
  energyPrices: {
    env: 'HUB_ENERGY_PRICES',
    flag: '--energy-prices',
    kind: 'string',
    default: '',
    doc: "Prices per unit of counter metrics for the dashboard's energy view, as `metric=price` pairs separated by commas, e.g. `energy_delivered_tariff1=0.25,energy_delivered_tariff2=0.22,energy_returned_tariff1=0.07,energy_returned_tariff2=0.07,gas=1.35` (per kWh and m³). Returned energy is credited. Unset: the view shows amounts only.",
  },
  energyCurrency: {
    env: 'HUB_ENERGY_CURRENCY',
    flag: '--energy-currency',
    kind: 'string',
    default: 'EUR',
    doc: 'ISO 4217 code of the currency of HUB_ENERGY_PRICES (EUR, GBP, USD, ...).',
  },
  alertRetentionDays: {
    env: 'HUB_ALERT_RETENTION_DAYS',
    flag: '--alert-retention-days',
    kind: 'int',
    default: 90,
    min: 0,
    max: 36_500,
    doc: 'Resolved alerts whose last transition is older than this many days are deleted, at start and hourly; active alerts are kept; 0 keeps them all.',
  },
} as const satisfies Record<string, SettingSpec>;

export type SettingName = keyof typeof SETTINGS;
type ValueOf<S extends SettingSpec> = S['kind'] extends 'boolean' ? boolean : S['kind'] extends 'string' ? string : number;
export type Config = { -readonly [K in SettingName]: ValueOf<(typeof SETTINGS)[K]> };

export class ConfigError extends Error {
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(`${setting}: ${message}`);
    this.name = 'ConfigError';
  }
}

function parseValue(spec: SettingSpec, raw: string, source: string): string | number | boolean {
  switch (spec.kind) {
    case 'string':
      if (spec.choices && !spec.choices.includes(raw))
        throw new ConfigError(source, `must be one of ${spec.choices.join(', ')}, got "${raw}"`);
      return raw;
    case 'boolean':
      if (/^(1|true|yes|on)$/i.test(raw)) return true;
      if (/^(0|false|no|off)$/i.test(raw)) return false;
      throw new ConfigError(source, `must be true or false, got "${raw}"`);
    case 'int':
    case 'number': {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n)) throw new ConfigError(source, `must be a number, got "${raw}"`);
      if (spec.kind === 'int' && !Number.isInteger(n)) throw new ConfigError(source, `must be a whole number, got "${raw}"`);
      if (spec.min !== undefined && n < spec.min) throw new ConfigError(source, `must be at least ${spec.min}, got ${n}`);
      if (spec.max !== undefined && n > spec.max) throw new ConfigError(source, `must be at most ${spec.max}, got ${n}`);
      return n;
    }
  }
}

/** Defaults, then environment, then flags (`--name value` or `--name=value`); flags win. */
export function loadConfig(env: NodeJS.ProcessEnv, argv: readonly string[]): Config {
  const config: Record<string, unknown> = {};
  const byFlag = new Map<string, [string, SettingSpec]>();
  for (const [name, spec] of Object.entries(SETTINGS) as Array<[string, SettingSpec]>) {
    config[name] = spec.default;
    byFlag.set(spec.flag, [name, spec]);
    const raw = env[spec.env];
    if (raw !== undefined && raw !== '') config[name] = parseValue(spec, raw, spec.env);
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const entry = byFlag.get(flag);
    if (!entry) throw new ConfigError(flag, 'unknown option (see --help)');
    const [name, spec] = entry;
    let raw = eq > 0 ? arg.slice(eq + 1) : argv[i + 1];
    if (eq < 0 && spec.kind === 'boolean' && (raw === undefined || raw.startsWith('--'))) raw = 'true';
    else if (eq < 0) i++;
    if (raw === undefined) throw new ConfigError(flag, 'needs a value');
    config[name] = parseValue(spec, raw, flag);
  }
  return config as Config;
}

/** The README's configuration table. */
export function settingsTable(): string {
  const rows = (Object.values(SETTINGS) as SettingSpec[]).map((s) => {
    const def = s.default === '' ? '(unset)' : `\`${String(s.default)}\``;
    return `| \`${s.env}\` | \`${s.flag}\` | ${def} | ${s.doc} |`;
  });
  return ['| Environment | Flag | Default | Meaning |', '|---|---|---|---|', ...rows].join('\n');
}
