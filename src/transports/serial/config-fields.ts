// Small field checkers for the devices file. Each takes the value and the field's path and throws
// a ConfigError naming that path, so the schema in config.ts reads as a list of fields.
import { ConfigError } from '../../config/settings.js';

export type Obj = Record<string, unknown>;

export const field = {
  mapping(value: unknown, at: string): Obj {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ConfigError(at, 'must be a mapping');
    return value as Obj;
  },
};

export function rejectUnknownKeys(raw: Obj, at: string, allowed: readonly string[]): void {
  for (const key of Object.keys(raw)) {
    if (!allowed.includes(key)) {
      throw new ConfigError(at ? `${at}.${key}` : key, `unknown field; expected one of ${allowed.join(', ')}`);
    }
  }
}

export function optionalString(value: unknown, at: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.trim() === '') throw new ConfigError(at, `must be a non-empty string, got ${JSON.stringify(value)}`);
  return value;
}

export function optionalNumber(
  value: unknown,
  at: string,
  rule: { min?: number; max?: number; integer?: boolean; choices?: readonly number[] },
): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new ConfigError(at, `must be a number, got ${JSON.stringify(value)}`);
  if (rule.choices && !rule.choices.includes(value)) throw new ConfigError(at, `must be one of ${rule.choices.join(', ')}, got ${value}`);
  if (rule.integer && !Number.isInteger(value)) throw new ConfigError(at, `must be a whole number, got ${value}`);
  if (rule.min !== undefined && value < rule.min) throw new ConfigError(at, `must be at least ${rule.min}, got ${value}`);
  if (rule.max !== undefined && value > rule.max) throw new ConfigError(at, `must be at most ${rule.max}, got ${value}`);
  return value;
}

export function oneOf<T extends string>(value: unknown, at: string, choices: readonly T[], required: boolean): T | undefined {
  if (value === undefined || value === null) {
    if (required) throw new ConfigError(at, `is required; one of ${choices.join(', ')}`);
    return undefined;
  }
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw new ConfigError(at, `must be one of ${choices.join(', ')}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}
