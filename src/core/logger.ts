// The logging surface the core needs; pino's Logger satisfies it (see observability/logger.ts).
export interface HubLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: Record<string, unknown>): HubLogger;
}
