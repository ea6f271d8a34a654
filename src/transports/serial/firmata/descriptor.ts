// The Firmata transport for the serial stage: a board running StandardFirmata, driven through
// johnny-five, whose sensors and actuators the devices file maps pin by pin (config.ts).
import type { SerialTransport } from '../descriptor.js';
import { FirmataEntry, firmataConfig, type FirmataDeviceConfig } from './config.js';
import { FirmataSession } from './session.js';

declare module '../../../core/model.js' {
  interface TransportKinds {
    firmata: true;
  }
}

export const firmata: SerialTransport<FirmataDeviceConfig, typeof FirmataEntry> = {
  kind: 'firmata',
  // StandardFirmata's speed.
  defaultBaud: 57600,
  configSchema: FirmataEntry,
  toConfig: firmataConfig,
  createSession: (ctx, device, options) => new FirmataSession(ctx, device, options),
};
