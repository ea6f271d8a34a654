// Actuators on a Firmata board, driven through johnny-five components. A `set` command names
// actuators and their values ({ led: true }, { fan: 128 }, { arm: 90 }); every value is checked
// against the actuator's type before anything is written, so a command is applied whole or not
// at all and a bad one fails with a reason the operator can read.
import five from 'johnny-five';
import type { Board } from 'johnny-five';
import type { FirmataActuatorConfig } from './config.js';

type Driver = { set(value: boolean | number): void };

export type ActuatorValues = Array<{ name: string; value: boolean | number }>;

/** Checks `params` of a set command against the configured actuators; returns the reason it is wrong, or the values. */
export function checkSetParams(actuators: FirmataActuatorConfig[], params: Record<string, unknown>): ActuatorValues | string {
  const entries = Object.entries(params);
  if (entries.length === 0)
    return `params must name at least one actuator (${actuators.map((a) => a.name).join(', ') || 'this board has none'})`;
  const values: ActuatorValues = [];
  for (const [name, value] of entries) {
    const actuator = actuators.find((a) => a.name === name);
    if (!actuator) return `unknown actuator "${name}"; this board has ${actuators.map((a) => a.name).join(', ') || 'none'}`;
    const problem = checkValue(actuator, value);
    if (problem) return `${name}: ${problem}`;
    values.push({ name, value: value as boolean | number });
  }
  return values;
}

function checkValue(actuator: FirmataActuatorConfig, value: unknown): string | null {
  switch (actuator.type) {
    case 'led':
    case 'relay':
      return typeof value === 'boolean' ? null : `a ${actuator.type} takes true or false, got ${JSON.stringify(value)}`;
    case 'pwm':
      return isIntegerIn(value, 0, 255) ? null : `a pwm output takes a whole number 0-255, got ${JSON.stringify(value)}`;
    case 'servo':
      return isNumberIn(value, 0, 180) ? null : `a servo takes an angle 0-180 degrees, got ${JSON.stringify(value)}`;
  }
}

function isNumberIn(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max;
}

function isIntegerIn(value: unknown, min: number, max: number): value is number {
  return isNumberIn(value, min, max) && Number.isInteger(value);
}

/** The johnny-five components of one board connection, by actuator name. */
export class ActuatorBank {
  private readonly drivers = new Map<string, Driver>();
  /** Actuators this board cannot drive, with the reason (known once the board has listed its pins). */
  private readonly unusable = new Map<string, string>();

  constructor(private readonly actuators: FirmataActuatorConfig[]) {}

  /**
   * Creates the components once the board is ready (johnny-five sets the pin modes here).
   * Which pins can do PWM depends on the board (13 can on a Leonardo, not on an Uno), so a pwm
   * output is checked against the pins the board reported; returns the actuators it cannot drive.
   */
  attach(board: Board): string[] {
    for (const actuator of this.actuators) {
      if (actuator.type === 'pwm' && !board.pins.isPwm(actuator.pin)) {
        this.unusable.set(actuator.name, `pin ${actuator.pin} of this board cannot do PWM; move the pwm output to a pin marked ~`);
        continue;
      }
      this.drivers.set(actuator.name, driverFor(actuator, board));
    }
    return [...this.unusable].map(([name, reason]) => `${name}: ${reason}`);
  }

  /** Why `values` cannot be applied on this board, or null; checked before any pin is written. */
  problemWith(values: ActuatorValues): string | null {
    const blocked = values.find(({ name }) => this.unusable.has(name));
    return blocked ? `${blocked.name}: ${this.unusable.get(blocked.name)}` : null;
  }

  apply(values: ActuatorValues): void {
    for (const { name, value } of values) this.drivers.get(name)?.set(value);
  }
}

function driverFor(actuator: FirmataActuatorConfig, board: Board): Driver {
  const pin = actuator.pin;
  switch (actuator.type) {
    case 'led': {
      const led = new five.Led({ pin, board });
      return { set: (on) => void (on ? led.on() : led.off()) };
    }
    case 'relay': {
      // A closed circuit is "on" for a normally-open relay.
      const relay = new five.Relay({ pin, board, type: 'NO' });
      return { set: (on) => void (on ? relay.close() : relay.open()) };
    }
    case 'pwm': {
      const output = new five.Led({ pin, board });
      return { set: (level) => void output.brightness(Number(level)) };
    }
    case 'servo': {
      const servo = new five.Servo({ pin, board });
      return { set: (degrees) => void servo.to(Number(degrees)) };
    }
  }
}
