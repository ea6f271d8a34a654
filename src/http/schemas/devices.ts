// Devices as the API shows them: the registry's device with its latest values and its latest
// refusal; and a device's recent refusals.
import { Type } from 'typebox';
import { ACTUATOR_TYPES, METRIC_KINDS, MQTT_DIALECTS, PRESENCE_STATES } from '../../core/model.js';
import { StringEnum, StringMap } from './common.js';

const LatestValue = Type.Object({ ts: Type.Integer(), value: Type.Number() });

/** Something the hub refused from a device (core/refusal-history.ts). */
export const RefusalEntry = Type.Object({
  ts: Type.Integer({ description: 'When the hub refused it (Unix ms).' }),
  code: Type.String({ description: 'The refusal code, as counted in /metrics (docs/protocol.md).' }),
  detail: Type.String(),
  topic: Type.Optional(Type.String({ description: 'The MQTT topic it came on.' })),
  source: Type.String({ description: 'What refused it: mqtt, line, dsmr, firmata, ingest, ...' }),
});

const LastRefusal = Type.Object({
  ...RefusalEntry.properties,
  count: Type.Integer({ description: "The device's refusals since the hub started." }),
});

/** Every field of a registry device is listed: fields missing here would be dropped from the answer. */
export const DeviceSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  // A string, not an enum: serial transports declare their own kinds from their folders.
  transport: Type.String({ description: 'mqtt, simulator or a serial transport (firmata, line, dsmr)' }),
  dialect: Type.Optional(StringEnum(MQTT_DIALECTS, { description: 'the MQTT convention an MQTT device of another family speaks' })),
  presence: StringEnum(PRESENCE_STATES),
  lastSeen: Type.Union([Type.Integer(), Type.Null()]),
  createdAt: Type.Integer(),
  firmware: Type.Optional(Type.String()),
  sampleIntervalMs: Type.Optional(Type.Integer()),
  metrics: Type.Array(
    Type.Object({
      name: Type.String(),
      unit: Type.Optional(Type.String()),
      kind: Type.Optional(StringEnum(METRIC_KINDS, { description: 'counter: only grows (energy, gas); gauge when absent' })),
    }),
  ),
  actuators: Type.Array(Type.Object({ name: Type.String(), type: StringEnum(ACTUATOR_TYPES) })),
  latest: StringMap(LatestValue),
  lastRefusal: Type.Union([LastRefusal, Type.Null()], { description: 'The newest refusal since the hub started, or null.' }),
});

export const DeviceListQuery = Type.Object(
  {
    presence: Type.Optional(StringEnum(PRESENCE_STATES)),
    transport: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export const DeviceList = Type.Object({ devices: Type.Array(DeviceSchema) });

/** A presence change as the device detail lists it (the device id is the detail's own). */
const PresenceHistoryEntry = Type.Object({
  state: StringEnum(PRESENCE_STATES),
  previous: StringEnum(PRESENCE_STATES),
  ts: Type.Integer(),
  reason: Type.String(),
});

export const DeviceDetail = Type.Object({ device: DeviceSchema, presenceHistory: Type.Array(PresenceHistoryEntry) });

/** GET /api/devices/:id/refusals */
export const RefusalsQuery = Type.Object(
  { limit: Type.Integer({ minimum: 1, maximum: 100, default: 50 }) },
  { additionalProperties: false },
);

export const RefusalList = Type.Object({ refusals: Type.Array(RefusalEntry, { description: 'Newest first.' }) });
