// What Home Assistant sends on an actuator's command topic, turned into the value of a hub `set`
// command, and an actuator's value turned back into the state Home Assistant shows. A switch
// sends its payload_on/payload_off ("ON"/"OFF"); a number sends its value as text (a whole
// number for step 1). Anything else is refused with a code, never guessed at.
import type { ActuatorSpec } from '../../core/model.js';
import { actuatorComponentOf } from './entities.js';

/** Why a message on a command topic did not become a hub command. */
export type HaCommandRefusalCode =
  /** A command topic naming no actuator the bridge published (a removed device, an old config). */
  | 'unknown_entity'
  /** The payload is not what the entity's config announced. */
  | 'bad_payload'
  /** A retained command the broker replays on subscribe: an old wish, never carried out again. */
  | 'retained'
  /** The command service refused it (the device is gone, or no transport carries its commands). */
  | 'command_refused';

export type ParsedCommand = { ok: true; value: boolean | number } | { ok: false; code: 'bad_payload'; detail: string };

export function parseCommandPayload(actuator: ActuatorSpec, payload: string): ParsedCommand {
  const kind = actuatorComponentOf(actuator);
  if (kind.component === 'switch') {
    if (payload === 'ON') return { ok: true, value: true };
    if (payload === 'OFF') return { ok: true, value: false };
    return { ok: false, code: 'bad_payload', detail: `${actuator.name} is a switch: payload must be ON or OFF, got ${quote(payload)}` };
  }
  const value = payload.trim() === '' ? Number.NaN : Number(payload);
  if (!Number.isInteger(value) || value < kind.min || value > kind.max)
    return {
      ok: false,
      code: 'bad_payload',
      detail: `${actuator.name} is a ${actuator.type}: payload must be a whole number ${kind.min}-${kind.max}, got ${quote(payload)}`,
    };
  return { ok: true, value };
}

/** The state payload of an actuator whose value is `value` (from a reading or an acked command). */
export function actuatorState(actuator: ActuatorSpec, value: boolean | number): string {
  if (actuatorComponentOf(actuator).component === 'switch')
    return value === true || (typeof value === 'number' && value !== 0) ? 'ON' : 'OFF';
  return String(Number(value));
}

function quote(payload: string): string {
  return JSON.stringify(payload.length > 40 ? `${payload.slice(0, 40)}…` : payload);
}
