// The admin routes of a device's life: add (make its key), rename, re-key, remove. Each body is
// one TypeBox object; fields a later option adds (a dialect, a topic) are one more property here.
import { Type } from 'typebox';
import { LIMITS, MQTT_DIALECTS } from '../../core/model.js';
import { StringEnum } from './common.js';
import { DeviceSchema } from './devices.js';

const Name = Type.String({ minLength: 1, maxLength: 200 });

/** POST /api/admin/devices: the device to add. */
export const ProvisionRequest = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: LIMITS.idMaxLength }),
    name: Type.Optional(Name),
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
    moveToMqtt: Type.Optional(
      Type.Boolean({
        description: 'Move a device known on another transport (a serial port) to MQTT; without it such an id is refused with 409.',
      }),
    ),
    replace: Type.Optional(
      Type.Boolean({
        description:
          'Give a device that already has a key a new one (the old key stops working); without it such an id is refused with 409.',
      }),
    ),
  },
  { additionalProperties: false },
);

/** The device's key, shown only in this answer (POST /api/admin/devices and its re-key). */
export const Provisioned = Type.Object({
  id: Type.String(),
  key: Type.String(),
  mqtt: Type.Object(
    { port: Type.Integer({ description: 'the port of the hub’s MQTT broker' }), tls: Type.Boolean() },
    { description: 'where the device logs in: this host, this port, username = id, password = key' },
  ),
});

/** PATCH /api/admin/devices/:id */
export const RenameRequest = Type.Object({ name: Name }, { additionalProperties: false });

export const Renamed = Type.Object({ device: DeviceSchema });

/** DELETE /api/admin/devices/:id */
export const RemoveQuery = Type.Object(
  {
    purge: Type.Boolean({ default: false, description: 'Also delete the readings, presence history and commands of the device.' }),
  },
  { additionalProperties: false },
);
