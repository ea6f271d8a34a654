// What the serial stage and the devices file need to know about one serial transport. Each
// transport is a folder under serial/ whose descriptor.ts exports one of these, and
// serial/transports.ts lists them; nothing else names a serial transport.
import type { Static, TObject } from 'typebox';
import type { TransportContext } from '../context.js';
import type { SerialDeviceCommon } from './device-config.js';

export interface SerialSession {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Backoff between attempts to reopen a port that vanished. */
export interface SessionOptions {
  minBackoffMs: number;
  maxBackoffMs: number;
}

export interface SerialTransport<Config extends SerialDeviceCommon = SerialDeviceCommon, Entry extends TObject = TObject> {
  /** Its `transport` in the devices file, and the kind its devices are registered with. */
  readonly kind: Config['transport'];
  /** Line speed when the devices file gives none; 115200 when unset. */
  readonly defaultBaud?: number;
  /** Its device entry in the devices file: deviceSchema(kind, its own fields). */
  readonly configSchema: Entry;
  /**
   * A device's config from an entry the schema accepted and its shared fields (defaults filled):
   * adds its own fields and defaults, and makes the checks a schema cannot, throwing a
   * ConfigError that names the field under `at`.
   */
  toConfig(entry: Static<Entry>, common: SerialDeviceCommon<Config['transport']>, at: string): Config;
  createSession(ctx: TransportContext, device: Config, options: SessionOptions): SerialSession;
}
