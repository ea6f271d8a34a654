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
  httpPort: { env: 'HUB_HTTP_PORT', flag: '--http-port', kind: 'int', default: 8080, min: 0, max: 65535, doc: 'HTTP port for the REST API, the live stream and the dashboard (0 picks a free port).' },
  httpHost: { env: 'HUB_HTTP_HOST', flag: '--http-host', kind: 'string', default: '0.0.0.0', doc: 'Address the HTTP server listens on.' },
  mqttPort: { env: 'HUB_MQTT_PORT', flag: '--mqtt-port', kind: 'int', default: 1883, min: 0, max: 65535, doc: 'TCP port of the embedded MQTT broker (0 picks a free port).' },
  dataDir: { env: 'HUB_DATA_DIR', flag: '--data-dir', kind: 'string', default: './data', doc: 'Directory of the embedded SQLite store and other hub state.' },
  mongodbUri: { env: 'MONGODB_URI', flag: '--mongodb-uri', kind: 'string', default: '', doc: 'When set, readings go to this MongoDB instead of the embedded store.' },
  simulate: { env: 'HUB_SIMULATE', flag: '--simulate', kind: 'int', default: 0, min: 0, max: 10_000, doc: 'Number of simulated devices to start; they use the same ingest path as real ones.' },
  simulateIntervalMs: { env: 'HUB_SIMULATE_INTERVAL_MS', flag: '--simulate-interval-ms', kind: 'int', default: 1000, min: 10, max: 3_600_000, doc: 'Sample interval of each simulated device.' },
  retentionDays: { env: 'HUB_RETENTION_DAYS', flag: '--retention-days', kind: 'number', default: 0, min: 0, max: 36_500, doc: 'Buckets older than this many days are dropped (checked hourly); 0 keeps everything.' },
  batchSize: { env: 'HUB_BATCH_SIZE', flag: '--batch-size', kind: 'int', default: 500, min: 1, max: 100_000, doc: 'Readings per store write; a full batch is flushed at once.' },
  flushIntervalMs: { env: 'HUB_FLUSH_INTERVAL_MS', flag: '--flush-interval-ms', kind: 'int', default: 50, min: 1, max: 60_000, doc: 'Longest a reading waits before its batch is written (and acked).' },
  maxPending: { env: 'HUB_MAX_PENDING', flag: '--max-pending', kind: 'int', default: 100_000, min: 1, max: 10_000_000, doc: 'Unwritten readings held while the store is slow or down; beyond this messages are refused and devices resend.' },
  staleFactor: { env: 'HUB_STALE_FACTOR', flag: '--stale-factor', kind: 'number', default: 3, min: 1, max: 1000, doc: 'A connected device silent for this many sample intervals is shown as stale.' },
  logLevel: { env: 'HUB_LOG_LEVEL', flag: '--log-level', kind: 'string', default: 'info', choices: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'], doc: 'Log level (pino), logs go to stdout as JSON lines.' },
} as const satisfies Record<string, SettingSpec>;

export type SettingName = keyof typeof SETTINGS;
type ValueOf<S extends SettingSpec> = S['kind'] extends 'boolean' ? boolean : S['kind'] extends 'string' ? string : number;
export type Config = { -readonly [K in SettingName]: ValueOf<(typeof SETTINGS)[K]> };

export class ConfigError extends Error {
  constructor(readonly setting: string, message: string) {
    super(`${setting}: ${message}`);
    this.name = 'ConfigError';
  }
}

function parseValue(spec: SettingSpec, raw: string, source: string): string | number | boolean {
  switch (spec.kind) {
    case 'string':
      if (spec.choices && !spec.choices.includes(raw)) throw new ConfigError(source, `must be one of ${spec.choices.join(', ')}, got "${raw}"`);
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
