// The DSMR P1 transport for the serial stage: a smart meter that only talks. Its entry in the
// devices file has the shared fields only; the meter's equipment id names it when the entry
// gives no id.
import type { SerialTransport } from '../descriptor.js';
import { deviceSchema, type SerialDeviceCommon } from '../device-config.js';
import { DsmrSession } from './session.js';

declare module '../../../core/model.js' {
  interface TransportKinds {
    dsmr: true;
  }
}

export type DsmrDeviceConfig = SerialDeviceCommon<'dsmr'>;

const DsmrEntry = deviceSchema('dsmr', {});

export const dsmr: SerialTransport<DsmrDeviceConfig, typeof DsmrEntry> = {
  kind: 'dsmr',
  configSchema: DsmrEntry,
  toConfig(entry, common) {
    // DSMR 2.2/3.0 meters talk 9600 7E1; v4/v5 (and everything else) 115200 8N1.
    if (common.baudRate !== 9600) return common;
    return { ...common, dataBits: entry.dataBits ?? 7, parity: entry.parity ?? 'even' };
  },
  createSession: (ctx, device, options) => new DsmrSession(ctx, device, options),
};
