// The hub's logger: pino on stdout. At a terminal people get readable lines (pino-pretty,
// formatted in this process and written synchronously, so the last lines before an exit are not
// lost); anywhere else (a pipe, a file, a container's log collector) one JSON object per line.
// HUB_LOG_FORMAT forces either. Credentials are replaced in every line (redact.ts).
import { pino, type Logger } from 'pino';
import pinoPretty from 'pino-pretty';
import { redact, redactText } from './redact.js';

export type LogFormat = 'auto' | 'pretty' | 'json';

/** Where logs go: stdout, or for tests a stream that says whether it is a terminal. */
export interface LogOutput {
  isTTY?: boolean;
  stream?: NodeJS.WritableStream;
}

export function createLogger(level: string, format: LogFormat = 'json', output: LogOutput = { isTTY: process.stdout.isTTY }): Logger {
  const options = {
    level,
    base: { name: 'telemetry-hub' },
    // Errors logged as { err } keep their stack and message, with any credential in them replaced.
    serializers: { err: (err: Error) => redact(pino.stdSerializers.err(err)) as ReturnType<typeof pino.stdSerializers.err> },
    // No credential reaches a line: fields named like secrets, and secrets inside any string.
    formatters: { log: (fields: Record<string, unknown>) => redact(fields) as Record<string, unknown> },
    hooks: {
      logMethod(this: Logger, args: Parameters<Logger['info']>, method: Logger['info']) {
        const redacted = args.map((arg) => (typeof arg === 'string' ? redactText(arg) : arg));
        return method.apply(this, redacted as Parameters<Logger['info']>);
      },
    },
  };
  const pretty = format === 'pretty' || (format === 'auto' && output.isTTY === true);
  if (pretty) {
    return pino(
      options,
      pinoPretty({
        sync: true,
        translateTime: 'SYS:HH:MM:ss.l',
        ignore: 'pid,hostname,name',
        ...(output.stream && { destination: output.stream }),
      }),
    );
  }
  return output.stream ? pino(options, output.stream) : pino(options);
}
