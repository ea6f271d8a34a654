// Commands for line-protocol devices. The hub checks a command against the actuators the device
// named in its hello before anything goes on the wire, so a typo fails at once with a reason
// instead of waiting for the command to expire.
import type { ActuatorSpec, Command } from '../../../core/model.js';

const RANGES: Record<'pwm' | 'servo', [number, number]> = { pwm: [0, 255], servo: [0, 180] };

export type WireCommand = { ok: true; params: Array<[string, number]> } | { ok: false; error: string };

/** `set {led: true, fan: 128}` → [["led", 1], ["fan", 128]], checked against the declared actuators. */
export function toWireCommand(command: Command, actuators: ActuatorSpec[]): WireCommand {
  if (command.action !== 'set') return { ok: false, error: `unknown action "${command.action}"; line devices take "set"` };
  if (!/^[A-Za-z0-9-]{1,64}$/.test(command.id)) return { ok: false, error: 'command id cannot be sent on a serial line' };
  const entries = Object.entries(command.params);
  if (entries.length === 0) return { ok: false, error: 'set needs at least one actuator in params' };
  const params: Array<[string, number]> = [];
  for (const [name, value] of entries) {
    const actuator = actuators.find((a) => a.name === name);
    if (!actuator)
      return { ok: false, error: `unknown actuator "${name}"; the device has ${actuators.map((a) => a.name).join(', ') || 'none'}` };
    if (actuator.type === 'led' || actuator.type === 'relay') {
      if (typeof value !== 'boolean') return { ok: false, error: `${name} is a ${actuator.type}: value must be true or false` };
      params.push([name, value ? 1 : 0]);
    } else {
      const [min, max] = RANGES[actuator.type];
      if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
        return { ok: false, error: `${name} is a ${actuator.type}: value must be a whole number ${min}-${max}` };
      }
      params.push([name, value]);
    }
  }
  return { ok: true, params };
}
