// POST /api/admin/devices: the device to provision, and its key, shown only in this answer.
import { Type } from 'typebox';
import { LIMITS } from '../../core/model.js';

export const ProvisionRequest = Type.Object({
  id: Type.String({ minLength: 1, maxLength: LIMITS.idMaxLength }),
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
}, { additionalProperties: false });

export const Provisioned = Type.Object({ id: Type.String(), key: Type.String() });
