// Commands for line-protocol devices. The hub checks a command against the actuators the device
// named in its hello before anything goes on the wire, so a typo fails at once with a reason
// instead of waiting for the command to expire. One command sink serves every line device of a
// hub and routes each command to the session that currently talks to that device.
import type { CommandService } from '../../../core/commands.js';
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
    if (!actuator) return { ok: false, error: `unknown actuator "${name}"; the device has ${actuators.map((a) => a.name).join(', ') || 'none'}` };
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

export interface LineCommandTarget {
  deliver(command: Command): Promise<boolean>;
}

type Commands = Pick<CommandService, 'registerSink'>;

/** Per command service: the sessions by device id, behind the one sink of kind "line". */
const routers = new WeakMap<Commands, Map<string, LineCommandTarget>>();

/**
 * Routes the device's commands to `target`. Returns null when another session already serves
 * that id (two boards flashed with the same id must not share one stream); else a detach function.
 */
export function attachLineDevice(commands: Commands, deviceId: string, target: LineCommandTarget): (() => void) | null {
  let sessions = routers.get(commands);
  if (!sessions) {
    const byId = new Map<string, LineCommandTarget>();
    sessions = byId;
    routers.set(commands, byId);
    commands.registerSink('line', { deliver: async (command) => (await byId.get(command.deviceId)?.deliver(command)) ?? false });
  }
  const current = sessions.get(deviceId);
  if (current && current !== target) return null;
  sessions.set(deviceId, target);
  const attached = sessions;
  return () => {
    if (attached.get(deviceId) === target) attached.delete(deviceId);
  };
}
