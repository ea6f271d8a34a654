// The serial transports, the one list to extend when adding one (see docs/ARCHITECTURE.md).
// Its order is the order the devices file's errors list them in.
import type { TObject } from 'typebox';
import type { TransportKind } from '../../core/model.js';
import type { SerialTransport } from './descriptor.js';
import { dsmr } from './dsmr/descriptor.js';
import { firmata } from './firmata/descriptor.js';
import { line } from './line/descriptor.js';

export const SERIAL_TRANSPORTS = [firmata, line, dsmr] as const;

type ConfigOf<T> = T extends SerialTransport<infer Config, TObject> ? Config : never;

/** A configured device of any serial transport, told apart by `transport`. */
export type SerialDeviceConfig = ConfigOf<(typeof SERIAL_TRANSPORTS)[number]>;
export type SerialKind = SerialDeviceConfig['transport'];

/** Compiles only when every kind the transport folders declare (TransportKinds) is in the list. */
type Listed<Unlisted extends never> = Unlisted;
export type UnlistedKinds = Listed<Exclude<TransportKind, 'mqtt' | 'simulator' | SerialKind>>;

/** The transport of a configured device or devices-file entry; `kind` is one of SerialKind. */
export function serialTransport(kind: string): SerialTransport<SerialDeviceConfig> {
  const transport = SERIAL_TRANSPORTS.find((t) => t.kind === kind);
  if (!transport) throw new Error(`no serial transport "${kind}"`);
  // Typed loosely: its caller hands it an entry or a config of this same kind.
  return transport as SerialTransport<SerialDeviceConfig>;
}
