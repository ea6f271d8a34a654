// Splits a command's own options (a table of them, so a command grows by one entry per option)
// from the hub settings (--data-dir, --mongodb-uri, ...) that find the store; the settings go on
// to loadConfig, which checks them as it does for the hub.

export interface OptionSpec {
  /** `flag`: present or not; `value`: takes the next argument (or `--opt=value`). */
  kind: 'flag' | 'value';
  description: string;
}

export interface ParsedArgs<Names extends string> {
  positional: string[];
  options: Partial<Record<Names, string | true>>;
  /** Everything else: hub settings for loadConfig. */
  settings: string[];
}

export class ArgsError extends Error {}

/** Positional words come before or between options; `--name value` and `--name=value` both work. */
export function parseArgs<Names extends string>(args: readonly string[], specs: Record<Names, OptionSpec>): ParsedArgs<Names> {
  const parsed: ParsedArgs<Names> = { positional: [], options: {}, settings: [] };
  const known = new Map<string, Names>(Object.keys(specs).map((name) => [`--${name}`, name as Names]));
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith('--')) {
      parsed.positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = known.get(eq > 0 ? arg.slice(0, eq) : arg);
    if (name === undefined) {
      // A hub setting: it and its value (unless given with =) go to loadConfig as they are.
      parsed.settings.push(arg);
      const next = args[i + 1];
      if (eq < 0 && next !== undefined && !next.startsWith('--')) parsed.settings.push(args[++i]);
      continue;
    }
    if (specs[name].kind === 'flag') {
      if (eq > 0) throw new ArgsError(`${arg.slice(0, eq)} takes no value`);
      parsed.options[name] = true;
      continue;
    }
    const value = eq > 0 ? arg.slice(eq + 1) : args[++i];
    if (value === undefined || value === '') throw new ArgsError(`--${name} needs a value`);
    parsed.options[name] = value;
  }
  return parsed;
}

/** The options as usage lines: `--name <value>   description`. */
export function optionUsage(specs: Record<string, OptionSpec>): string {
  return Object.entries(specs)
    .map(([name, spec]) => `    --${name}${spec.kind === 'value' ? ' <value>' : ''}   ${spec.description}`)
    .join('\n');
}

/** A verb of a command (`device add`, `token list`): its arguments, its own options and what it does. */
export interface VerbSpec {
  args: string[];
  options: Record<string, OptionSpec>;
  summary: string;
  /** Checks the arguments before the store is opened; returns an error message or null. */
  check?(positional: string[], options: Partial<Record<string, string | true>>): string | null;
}

/** Every verb of `command` as usage lines, each with its options. */
export function verbsUsage(command: string, verbs: Record<string, VerbSpec>): string {
  return Object.entries(verbs)
    .map(([verb, spec]) => {
      const line = `telemetry-hub ${command} ${[verb, ...spec.args].join(' ')} [options]   ${spec.summary}`;
      return Object.keys(spec.options).length > 0 ? `${line}\n${optionUsage(spec.options)}` : line;
    })
    .join('\n  ');
}

/** The verb `args` name with its parsed arguments, or null (the reason written to `err`) when they do not fit it. */
export function parseVerb<V extends VerbSpec>(
  args: string[],
  verbs: Record<string, V>,
  err: NodeJS.WritableStream,
): { verb: V; parsed: ParsedArgs<string> } | null {
  const [name, ...rest] = args;
  const verb = Object.hasOwn(verbs, name ?? '') ? verbs[name] : undefined;
  if (!verb) return null;
  let parsed: ParsedArgs<string>;
  try {
    parsed = parseArgs(rest, verb.options);
  } catch (error) {
    if (!(error instanceof ArgsError)) throw error;
    err.write(`${error.message}\n`);
    return null;
  }
  if (parsed.positional.length !== verb.args.length) return null;
  const problem = verb.check?.(parsed.positional, parsed.options) ?? null;
  if (problem !== null) {
    err.write(`${problem}\n`);
    return null;
  }
  return { verb, parsed };
}
