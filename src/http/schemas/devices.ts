// Devices as the API shows them (the registry's device with its latest values), and the
// provisioning of MQTT devices by admins.
import { Type } from 'typebox';
import { ACTUATOR_TYPES, LIMITS, MQTT_DIALECTS, PRESENCE_STATES } from '../../core/model.js';
import { StringEnum, StringMap } from './common.js';

const LatestValue = Type.Object({ ts: Type.Integer(), value: Type.Number() });

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
  metrics: Type.Array(Type.Object({ name: Type.String(), unit: Type.Optional(Type.String()) })),
  actuators: Type.Array(Type.Object({ name: Type.String(), type: StringEnum(ACTUATOR_TYPES) })),
  latest: StringMap(LatestValue),
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

/** POST /api/admin/devices: the device to provision. */
export const ProvisionRequest = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: LIMITS.idMaxLength }),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    dialect: Type.Optional(
      StringEnum(MQTT_DIALECTS, { description: 'the MQTT convention the device speaks; hub (the default) is the hub’s own' }),
    ),
    topic: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: 'the device’s own topic in its dialect (Tasmota %topic%, Shelly prefix, Homie base topic, ESPHome topic prefix)',
      }),
    ),
  },
  { additionalProperties: false },
);

/** The device's key, shown only in this answer. */
export const Provisioned = Type.Object({ id: Type.String(), key: Type.String() });
