// ESPHome's MQTT convention (esphome.io, "MQTT Client Component"): a node publishes under its
// topic prefix its presence (`status`: online as birth message, offline as last will) and each
// entity's state on `<component>/<object_id>/state`, and takes commands on
// `<component>/<object_id>/command`. Sensors and numbers become readings, binary sensors and
// switches 1/0, switches relay actuators answered by their new state. Home Assistant discovery
// configs, published when discovery is on, give units, the device's name and its software.
import type { ActuatorSpec, Command } from '../../../../core/model.js';
import { requestedState, stateKey } from '../dialect.js';
import type { CommandPlan, Decoded, DeviceMeta, DialectInput, DialectSession, MqttDialect, TopicRoute } from '../dialect.js';
import { parseConfig } from './discovery.js';
import { checkPrefix, commandTopic, maySubscribe, nodeOf, parseTopic } from './topics.js';

export const esphomeDialect: MqttDialect = {
  kind: 'esphome',
  // ESPHome's default topic_prefix is the node name; a hub device id is a fine node name.
  defaultTopic: (deviceId) => deviceId,
  checkTopic: checkPrefix,
  describe: (prefix) => `${prefix}/… and homeassistant/+/${nodeOf(prefix)}/+/config (ESPHome)`,
  open: (_deviceId, prefix) => new EsphomeSession(prefix),
};

type Result = Decoded<DialectInput[]>;
const NOTHING: Result = { ok: true, value: [] };
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
/** Most switches and numbers remembered per node. */
const MAX_ENTITIES = 500;

/**
 * An entity's metric: its object_id (`living_room_temperature`), lowercased with other characters
 * than letters, digits, `_`, `.` and `-` made `_`; one that does not start with a letter gets its
 * component in front (`sensor_1wire`).
 */
export function metricOf(component: string, objectId: string): string {
  const clean = objectId.toLowerCase().replace(/[^a-z0-9_.-]/g, '_');
  return /^[a-z]/.test(clean) ? clean : `${component}_${clean}`;
}

class EsphomeSession implements DialectSession {
  /** Metric → object_id of the switches and numbers seen, which commands address. */
  private readonly switches = new Map<string, string>();
  private readonly numbers = new Map<string, string>();

  constructor(private readonly prefix: string) {}

  route(topic: string): TopicRoute {
    const parsed = parseTopic(this.prefix, topic);
    if (parsed.kind === 'foreign')
      return {
        ok: false,
        code: 'foreign_topic',
        detail: `foreign topic: this node publishes under ${esphomeDialect.describe(this.prefix)}`,
      };
    if (parsed.kind === 'invalid') return { ok: false, code: 'bad_topic', detail: `${topic}: ${parsed.reason}` };
    if (parsed.kind === 'command') return { ok: false, code: 'hub_topic', detail: `hub topic: ${topic} carries commands to the node` };
    return { ok: true };
  }

  decode(topic: string, payload: Buffer): Result {
    const parsed = parseTopic(this.prefix, topic);
    const text = payload.toString('utf8').trim();
    if (parsed.kind === 'status') {
      if (text === 'online' || text === 'offline') return { ok: true, value: [{ kind: 'status', status: text }] };
      return { ok: false, code: 'bad_status', detail: 'status must be online or offline' };
    }
    if (parsed.kind === 'state') return this.state(parsed.component, parsed.objectId, text);
    if (parsed.kind === 'discovery') return this.discovery(parsed.component, parsed.objectId, text);
    return NOTHING;
  }

  maySubscribe(filter: string): boolean {
    return maySubscribe(this.prefix, filter);
  }

  subscribed(filter: string): { resume: boolean; commands: boolean } {
    return { resume: false, commands: parseTopic(this.prefix, filter).kind === 'command' };
  }

  /** `set {"relay": true}` → `ON` on `<prefix>/switch/relay/command`, settled when the switch reports `ON`; a number entity takes its value as text. */
  command(command: Command): CommandPlan {
    const names = Object.keys(command.params);
    if (command.action !== 'set' || names.length !== 1)
      return { ok: false, detail: 'ESPHome nodes take set with one entity: {"<switch>": true|false} or {"<number>": value}' };
    const [metric] = names;
    const state = requestedState(command, metric);
    if (state === null) return { ok: false, detail: `${metric}: set takes true, false or a number` };
    const number = this.numbers.get(metric);
    if (number !== undefined) {
      if (typeof command.params[metric] !== 'number') return { ok: false, detail: `${metric} is a number entity: set it to a number` };
      return this.plan(commandTopic(this.prefix, 'number', number), String(state), metric, state);
    }
    if (state !== 0 && state !== 1) return { ok: false, detail: `${metric} is a switch: set it to true or false` };
    const objectId = this.switches.get(metric) ?? (/^[a-z0-9_]+$/.test(metric) ? metric : undefined);
    if (objectId === undefined) return { ok: false, detail: `${metric} names no switch of this node` };
    return this.plan(commandTopic(this.prefix, 'switch', objectId), state === 1 ? 'ON' : 'OFF', metric, state);
  }

  private plan(topic: string, payload: string, metric: string, state: number): CommandPlan {
    return { ok: true, publishes: [{ topic, payload }], answer: stateKey(metric, state) };
  }

  private state(component: string, objectId: string, text: string): Result {
    const metric = metricOf(component, objectId);
    if (component === 'sensor' || component === 'number') {
      if (component === 'number') this.remember(this.numbers, metric, objectId);
      if (text.toLowerCase() === 'nan') return refused(metric, `${component} ${objectId} has no value (nan)`);
      if (!NUMBER.test(text)) return refused(metric, `${component} state ${quote(text)} is not a number`);
      return readings(metric, Number(text), component === 'number');
    }
    if (component === 'binary_sensor' || component === 'switch') {
      if (text !== 'ON' && text !== 'OFF') return refused(metric, `${component} state ${quote(text)} is not ON or OFF`);
      const inputs = readings(metric, text === 'ON' ? 1 : 0, component === 'switch');
      if (component !== 'switch' || !this.remember(this.switches, metric, objectId) || !inputs.ok) return inputs;
      return { ok: true, value: [...inputs.value, meta({ actuators: this.actuators() })] };
    }
    // text_sensor, light, fan, cover, climate, select, lock, …: states the hub does not store.
    return NOTHING;
  }

  /** Remembers an entity; true when it is new. */
  private remember(entities: Map<string, string>, metric: string, objectId: string): boolean {
    if (entities.has(metric) || entities.size >= MAX_ENTITIES) return false;
    entities.set(metric, objectId);
    return true;
  }

  private actuators(): ActuatorSpec[] {
    return [...this.switches.keys()].sort().map((name) => ({ name, type: 'relay' }));
  }

  /** A discovery config: the entity's unit, a switch as an actuator, the device's name and software. Empty: the entity was removed. */
  private discovery(component: string, topicObjectId: string, text: string): Result {
    if (text === '') return NOTHING;
    const parsed = parseConfig(text);
    if (!parsed.ok) return { ok: false, code: 'bad_meta', detail: parsed.detail };
    const { unit, stateTopic, deviceName, software } = parsed.value;
    const own = stateTopic ? parseTopic(this.prefix, stateTopic) : null;
    const objectId = own?.kind === 'state' && own.component === component ? own.objectId : topicObjectId;
    const metric = metricOf(component, objectId);
    const isNew = component === 'switch' && this.remember(this.switches, metric, objectId);
    if (component === 'number') this.remember(this.numbers, metric, objectId);
    const described: DeviceMeta = {
      ...(deviceName && { name: deviceName }),
      ...(software && { firmware: software }),
      ...(['sensor', 'binary_sensor', 'switch', 'number'].includes(component) && {
        metrics: [unit ? { name: metric, unit } : { name: metric }],
      }),
      ...(isNew && { actuators: this.actuators() }),
    };
    return { ok: true, value: [meta(described)] };
  }
}

function readings(metric: string, value: number, answers: boolean): Result {
  const inputs: DialectInput[] = [{ kind: 'readings', readings: [{ metric, value }], refused: [] }];
  // A switch's or number's new state is its answer to the commands that asked for it.
  if (answers) inputs.push({ kind: 'answer', key: stateKey(metric, value), ok: true });
  return { ok: true, value: inputs };
}

function refused(metric: string, detail: string): Result {
  return { ok: true, value: [{ kind: 'readings', readings: [], refused: [{ metric, detail }] }] };
}

function meta(value: DeviceMeta): DialectInput {
  return { kind: 'meta', meta: value };
}

function quote(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}
