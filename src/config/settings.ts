// The one settings schema: every setting's environment variable, command-line flag, type, range,
// default and description. Parsing, validation, `--help` and the README's configuration table
// all come from this list, so they cannot drift apart.

import { HUB_SETTINGS } from './settings-hub.js';
import { SERVICE_SETTINGS } from './settings-services.js';

type Kind = 'int' | 'number' | 'string' | 'boolean';

export interface SettingSpec {
  env: string;
  flag: string;
  kind: Kind;
  default: string | number | boolean;
  min?: number;
  max?: number;
  choices?: readonly string[];
  doc: string;
}

export const SETTINGS = { ...HUB_SETTINGS, ...SERVICE_SETTINGS } as const satisfies Record<string, SettingSpec>;

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
