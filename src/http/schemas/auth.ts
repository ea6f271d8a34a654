// GET /api/auth/whoami: the role of the presented token.
import { Type } from 'typebox';
import { ROLES } from '../auth-tokens.js';
import { StringEnum } from './common.js';

export const WhoAmI = Type.Object({ role: StringEnum(ROLES) });
