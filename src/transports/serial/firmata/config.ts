// A Firmata board's own part of the devices file. StandardFirmata does not name the board or
// its pins, so the entry does: an id, the sensors read (each a metric) and the actuators
// switched by `set` commands, pin by pin, and how often the board is probed.
import { Type, type Static } from 'typebox';
import { ConfigError } from '../../../config/settings.js';
import { ACTUATOR_TYPES, checkMetricName } from '../../../core/model.js';
import { Text, deviceSchema, type SerialDeviceCommon } from '../device-config.js';

/** "A0".."A5" for analog inputs, 0..13 for digital ones (also written as a string, "7"). */
const Pin = Type.Union([Type.Integer({ minimum: 0, maximum: 13 }), Type.String({ pattern: '^(?:A[0-5]|[0-9]|1[0-3])$' })], {
  message: 'must be A0-A5 or 0-13, got {value}',
});

const Range = Type.Tuple([Type.Number(), Type.Number()], { message: 'must be two numbers like [0, 1023]' });

const Sensor = Type.Object(
  {
    pin: Pin,
    metric: Text,
    unit: Type.Optional(Text),
    intervalMs: Type.Optional(Type.Integer({ minimum: 10, maximum: 3_600_000 })),
    /** Linear map of the raw value: `from` range onto `to` range. */
    scale: Type.Optional(Type.Object({ from: Range, to: Range }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);

const Actuator = Type.Object(
  {
    name: Text,
    type: Type.Enum([...ACTUATOR_TYPES]),
    pin: Pin,
  },
  { additionalProperties: false },
);

const PIN_MAPS_ONLY = 'only firmata boards take pin maps; {transport} devices describe themselves';

export const FirmataEntry = deviceSchema('firmata', {
  id: Type.String({
    pattern: '\\S',
    message: 'must be a non-empty string, got {value}',
    missing: 'is required for firmata boards (they do not name themselves)',
  }),
  sensors: Type.Optional(Type.Array(Sensor, { elsewhere: PIN_MAPS_ONLY })),
  actuators: Type.Optional(Type.Array(Actuator, { elsewhere: PIN_MAPS_ONLY })),
  /** How often the board is asked for its firmware, and how long an answer may take before it counts as offline. */
  probe: Type.Optional(
    Type.Object(
      {
        intervalMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 3_600_000 })),
        timeoutMs: Type.Optional(Type.Integer({ minimum: 50, maximum: 600_000 })),
      },
      { additionalProperties: false, elsewhere: 'only firmata boards are probed; other devices send heartbeats or telegrams' },
    ),
  ),
});

export type FirmataSensorConfig = Static<typeof Sensor>;
export type FirmataActuatorConfig = Static<typeof Actuator>;

export interface FirmataDeviceConfig extends SerialDeviceCommon<'firmata'> {
  id: string;
  sensors: FirmataSensorConfig[];
  actuators: FirmataActuatorConfig[];
  probe?: { intervalMs?: number; timeoutMs?: number };
}

/** The board's config: pins as "A0".."A5" or numbers, metric and actuator names by the core's rules, each pin used once. */
export function firmataConfig(entry: Static<typeof FirmataEntry>, common: SerialDeviceCommon<'firmata'>, at: string): FirmataDeviceConfig {
  const sensors = (entry.sensors ?? []).map((sensor, i) => sensorConfig(sensor, `${at}.sensors[${i}]`));
  const actuators = (entry.actuators ?? []).map((actuator, i) => actuatorConfig(actuator, `${at}.actuators[${i}]`));
  refuseSharedPins(sensors, actuators, at);
  return { ...common, id: entry.id, sensors, actuators, ...(entry.probe ? { probe: entry.probe } : {}) };
}

function sensorConfig(sensor: FirmataSensorConfig, at: string): FirmataSensorConfig {
  const problem = checkMetricName(sensor.metric);
  if (problem) throw new ConfigError(`${at}.metric`, problem);
  for (const end of ['from', 'to'] as const) {
    const range = sensor.scale?.[end];
    if (range && range[0] === range[1]) throw new ConfigError(`${at}.scale.${end}`, 'must span a range (the two ends differ)');
  }
  return { ...sensor, pin: pinOf(sensor.pin) };
}

function actuatorConfig(actuator: FirmataActuatorConfig, at: string): FirmataActuatorConfig {
  const problem = checkMetricName(actuator.name);
  if (problem) throw new ConfigError(`${at}.name`, problem.replace('metric name', 'actuator name'));
  return { ...actuator, pin: pinOf(actuator.pin) };
}

/** A digital pin written as a string ("7") is the number. */
function pinOf(pin: string | number): string | number {
  return typeof pin === 'string' && /^\d+$/.test(pin) ? Number(pin) : pin;
}

/** A pin is an input or an output, once: a second use would switch the first one's pin mode. */
function refuseSharedPins(sensors: FirmataSensorConfig[], actuators: FirmataActuatorConfig[], at: string): void {
  const users = new Map<string, string>();
  const uses = [
    ...sensors.map((s, i) => ({ pin: String(s.pin), user: `sensors[${i}]` })),
    ...actuators.map((a, i) => ({ pin: String(a.pin), user: `actuators[${i}]` })),
  ];
  for (const { pin, user } of uses) {
    const first = users.get(pin);
    if (first !== undefined) throw new ConfigError(`${at}.${user}.pin`, `pin ${pin} is already used by ${first}`);
    users.set(pin, user);
  }
}
