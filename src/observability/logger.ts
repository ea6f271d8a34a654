import { pino, type Logger } from 'pino';

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { name: 'telemetry-hub' },
    // Errors logged as { err } keep their stack and message.
    serializers: { err: pino.stdSerializers.err },
  });
}
