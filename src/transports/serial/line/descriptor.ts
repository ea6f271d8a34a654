// The line transport for the serial stage: our own serial-telemetry firmware, which names its
// device and its metrics in its hello. Its one field of its own is the sample interval the hub
// tells the firmware in its welcome (else the firmware keeps its own).
import { Type } from 'typebox';
import type { SerialTransport } from '../descriptor.js';
import { deviceSchema, type SerialDeviceCommon } from '../device-config.js';
import { LineSession } from './session.js';

declare module '../../../core/model.js' {
  interface TransportKinds {
    line: true;
  }
}

export interface LineDeviceConfig extends SerialDeviceCommon<'line'> {
  sampleIntervalMs?: number;
}

const LineEntry = deviceSchema('line', {
  sampleIntervalMs: Type.Optional(
    Type.Integer({ minimum: 10, maximum: 3_600_000, elsewhere: 'only line devices take a sample interval from the hub' }),
  ),
});

export const line: SerialTransport<LineDeviceConfig, typeof LineEntry> = {
  kind: 'line',
  configSchema: LineEntry,
  toConfig: (entry, common) => ({
    ...common,
    ...(entry.sampleIntervalMs !== undefined ? { sampleIntervalMs: entry.sampleIntervalMs } : {}),
  }),
  createSession: (ctx, device, options) => new LineSession(ctx, device, options),
};
