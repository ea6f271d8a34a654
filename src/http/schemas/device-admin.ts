// The admin routes of a device's life: add (make its key), rename, re-key, remove. Each body is
// one TypeBox object; fields a later option adds (a dialect, a topic) are one more property here.
import { Type } from 'typebox';
import { LIMITS } from '../../core/model.js';
import { DeviceSchema } from './devices.js';

const Name = Type.String({ minLength: 1, maxLength: 200 });

/** POST /api/admin/devices: the device to add. */
export const ProvisionRequest = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: LIMITS.idMaxLength }),
    name: Type.Optional(Name),
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
export const Provisioned = Type.Object({ id: Type.String(), key: Type.String() });

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
