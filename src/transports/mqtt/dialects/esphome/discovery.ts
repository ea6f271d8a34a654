// The Home Assistant discovery config an ESPHome node publishes for each entity (retained JSON,
// with Home Assistant's abbreviated keys by default: `unit_of_meas`, `stat_t`, `dev`). The hub
// takes the unit, the state topic and the device's name and software from it, checked by the
// schema here; every other field passes unread.
import { Ajv } from 'ajv';
import { Type, type Static } from 'typebox';

const Text = (maxLength: number) => Type.Optional(Type.String({ maxLength }));

const DeviceSchema = Type.Object({ name: Text(200), sw: Text(200), sw_version: Text(200) });

const ConfigSchema = Type.Object({
  name: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  unit_of_measurement: Text(32),
  unit_of_meas: Text(32),
  state_topic: Text(1000),
  stat_t: Text(1000),
  device: Type.Optional(DeviceSchema),
  dev: Type.Optional(DeviceSchema),
});

type Config = Static<typeof ConfigSchema>;

export interface DiscoveryConfig {
  unit?: string;
  stateTopic?: string;
  deviceName?: string;
  software?: string;
}

const validate = new Ajv().compile<Config>(ConfigSchema);

/** The parts of a discovery config the hub uses, or what is wrong with it. */
export function parseConfig(payload: string): { ok: true; value: DiscoveryConfig } | { ok: false; detail: string } {
  let doc: unknown;
  try {
    doc = JSON.parse(payload);
  } catch (err) {
    return { ok: false, detail: `discovery config is not JSON: ${(err as Error).message}` };
  }
  if (!validate(doc)) {
    const error = validate.errors?.[0];
    return {
      ok: false,
      detail: `discovery config${error?.instancePath.replaceAll('/', '.') ?? ''} ${error?.message ?? 'is not an object'}`,
    };
  }
  const device = doc.dev ?? doc.device;
  const value: DiscoveryConfig = {};
  const unit = doc.unit_of_meas ?? doc.unit_of_measurement;
  const stateTopic = doc.stat_t ?? doc.state_topic;
  const software = device?.sw ?? device?.sw_version;
  if (unit) value.unit = unit;
  if (stateTopic) value.stateTopic = stateTopic;
  if (device?.name) value.deviceName = device.name;
  if (software) value.software = software.slice(0, 100);
  return { ok: true, value };
}
