// The Homie convention (3.0, 4.0 and 5's `$description`): a device publishes retained attributes
// under its base topic, property values on `<base>/<node>/<prop>`, and takes commands on
// `<base>/<node>/<prop>/set`, answering by publishing the new value. Presence follows `$state`
// (the device's last will sets it to `lost`). Attributes arrive one topic at a time, so what they
// say is gathered in the session and handed to the hub as meta whenever it changes what the hub
// shows (a metric's unit, the list of actuators).
import type { Command } from '../../../../core/model.js';
import { requestedState, stateKey } from '../dialect.js';
import type { CommandPlan, Decoded, DeviceMeta, DialectInput, DialectSession, MqttDialect, TopicRoute } from '../dialect.js';
import { parseDescription } from './description.js';
import { DATATYPES, PropertyTable, metricOf, metricSpec, readValue, setPayload, type Datatype, type Property } from './properties.js';
import { below, checkBase, isSetFilter, maySubscribe, parsePath, setTopic } from './topics.js';

export const homieDialect: MqttDialect = {
  kind: 'homie',
  defaultTopic: (deviceId) => `homie/${deviceId}`,
  checkTopic: checkBase,
  describe: (base) => `${base}/… (Homie)`,
  open: (_deviceId, base) => new HomieSession(base),
};

/**
 * `$state` to presence. `init` and `alert` are connected devices; `sleeping` counts as offline,
 * since a sleeping device neither reports nor takes commands until it says `ready` again.
 */
const PRESENCE: Readonly<Record<string, 'online' | 'offline'>> = {
  init: 'online',
  ready: 'online',
  alert: 'online',
  disconnected: 'offline',
  sleeping: 'offline',
  lost: 'offline',
};

type Result = Decoded<DialectInput[]>;
const NOTHING: Result = { ok: true, value: [] };

class HomieSession implements DialectSession {
  private readonly properties = new PropertyTable();
  /** `$fw/name`, `$fw/version`, `$implementation`, `$implementation/version`, as last told. */
  private readonly firmware = new Map<string, string>();
  /** Metrics a hub command was sent to: their values answer it even before `$settable` arrives. */
  private readonly commanded = new Set<string>();
  private actuatorList = '[]';

  constructor(private readonly base: string) {}

  route(topic: string): TopicRoute {
    const path = below(this.base, topic);
    if (path === null) return { ok: false, code: 'foreign_topic', detail: `foreign topic: this device publishes under ${this.base}/` };
    const parsed = parsePath(path);
    if (parsed.kind === 'invalid') return { ok: false, code: 'bad_topic', detail: `${topic}: ${parsed.reason}` };
    if (parsed.kind === 'set')
      return { ok: false, code: 'hub_topic', detail: `hub topic: ${topic} carries commands to the device, not from it` };
    return { ok: true };
  }

  decode(topic: string, payload: Buffer): Result {
    const parsed = parsePath(below(this.base, topic) ?? '');
    const text = payload.toString('utf8');
    switch (parsed.kind) {
      case 'device-attribute':
        return this.deviceAttribute(parsed.attribute, text);
      case 'property-attribute':
        return this.propertyAttribute(parsed.node, parsed.property, parsed.attribute, text.trim());
      case 'value':
        return this.value(parsed.node, parsed.property, text);
      case 'node-attribute':
        return NOTHING;
      default:
        return { ok: false, code: 'bad_topic', detail: `${topic} is not a topic a Homie device publishes` };
    }
  }

  maySubscribe(filter: string): boolean {
    return maySubscribe(this.base, filter);
  }

  subscribed(filter: string): { resume: boolean; commands: boolean } {
    const path = below(this.base, filter);
    return { resume: false, commands: path !== null && isSetFilter(path) };
  }

  /** `set {"light.power": true}` → `true` on `<base>/light/power/set`, settled when the device publishes `true` on `<base>/light/power`. */
  command(command: Command): CommandPlan {
    const names = Object.keys(command.params);
    if (command.action !== 'set' || names.length !== 1)
      return { ok: false, detail: 'Homie devices take set with one property: {"<node>.<property>": true|false|number}' };
    const [metric] = names;
    const state = requestedState(command, metric);
    const value = command.params[metric];
    if (state === null || (typeof value !== 'boolean' && typeof value !== 'number'))
      return { ok: false, detail: `${metric}: set takes true, false or a number` };
    const property = this.properties.byMetric(metric) ?? this.guess(metric);
    if (!property) return { ok: false, detail: `${metric} names no property of this device; use <node>.<property>` };
    const written = setPayload(property, value);
    if (!written.ok) return written;
    this.commanded.add(property.metric);
    return {
      ok: true,
      publishes: [{ topic: setTopic(this.base, property.node, property.property), payload: written.payload }],
      answer: stateKey(property.metric, state),
    };
  }

  /** A property the device has not described (yet): `node.prop` read back as its topic levels. */
  private guess(metric: string): Property | undefined {
    const match = /^([a-z0-9-]+)\.([a-z0-9-]+)$/.exec(metric);
    return match ? this.properties.at(match[1], match[2]) : undefined;
  }

  private deviceAttribute(attribute: string, text: string): Result {
    // An empty payload clears a retained topic (a device being removed): nothing to take from it.
    if (text === '') return NOTHING;
    if (attribute === '$state') {
      const state = text.trim();
      const status = Object.hasOwn(PRESENCE, state) ? PRESENCE[state] : undefined;
      if (!status) return { ok: false, code: 'bad_status', detail: `$state must be one of ${Object.keys(PRESENCE).join(', ')}` };
      return { ok: true, value: [{ kind: 'status', status }] };
    }
    if (attribute === '$name') {
      if (text.length > 200) return { ok: false, code: 'bad_meta', detail: '$name must be at most 200 characters' };
      return meta({ name: text });
    }
    if (attribute === '$description') return this.description(text);
    if (['$fw/name', '$fw/version', '$implementation', '$implementation/version'].includes(attribute)) {
      this.firmware.set(attribute, text.trim());
      return meta({ firmware: this.firmwareText() });
    }
    // $homie, $mac, $localip, $stats/*, $nodes, $extensions, $implementation/*, $log, $alert/*.
    return NOTHING;
  }

  /** `esp8266` (Homie 4's `$implementation`), or `Environment-SHT31-RCWL0516 1.0.3` from `$fw/*`. */
  private firmwareText(): string {
    const part = (key: string) => this.firmware.get(key) ?? '';
    const fw = `${part('$fw/name')} ${part('$fw/version')}`.trim();
    const text = fw || `${part('$implementation')} ${part('$implementation/version')}`.trim();
    return text.slice(0, 100);
  }

  private propertyAttribute(node: string, name: string, attribute: string, text: string): Result {
    const property = this.properties.at(node, name);
    if (!property || text === '') return NOTHING;
    if (attribute === '$datatype') {
      if (!(DATATYPES as readonly string[]).includes(text))
        return { ok: false, code: 'bad_meta', detail: `$datatype must be one of ${DATATYPES.join(', ')}` };
      property.datatype = text as Datatype;
    } else if (attribute === '$unit') {
      if (text.length > 32) return { ok: false, code: 'bad_meta', detail: '$unit must be at most 32 characters' };
      property.unit = text;
    } else if (attribute === '$settable') {
      if (text !== 'true' && text !== 'false') return { ok: false, code: 'bad_meta', detail: '$settable must be true or false' };
      property.settable = text === 'true';
    } else if (attribute === '$format') {
      property.format = text.slice(0, 1000);
    } else {
      return NOTHING; // $name, $retained, $target and implementation extras.
    }
    const described = this.described([property]);
    return described ? meta(described) : NOTHING;
  }

  private description(text: string): Result {
    const parsed = parseDescription(text);
    if (!parsed.ok) return { ok: false, code: 'bad_meta', detail: parsed.detail };
    const { name, nodes = {} } = parsed.value;
    const changed: Property[] = [];
    for (const [node, { properties = {} }] of Object.entries(nodes)) {
      for (const [id, spec] of Object.entries(properties)) {
        const property = this.properties.at(node, id);
        if (!property) continue;
        Object.assign(property, { datatype: spec.datatype, unit: spec.unit, settable: spec.settable ?? false, format: spec.format });
        changed.push(property);
      }
    }
    const described = this.described(changed);
    if (name === undefined && !described) return NOTHING;
    return meta({ ...(name !== undefined && { name }), ...described });
  }

  /** Meta for properties whose description changed: their metrics, and the actuators when that list changed. */
  private described(properties: Property[]): DeviceMeta | null {
    const metrics = properties.map(metricSpec).filter((m) => m !== null);
    const actuators = this.properties.actuators();
    const list = JSON.stringify(actuators);
    const actuatorsChanged = list !== this.actuatorList;
    this.actuatorList = list;
    if (metrics.length === 0 && !actuatorsChanged) return null;
    return { metrics, ...(actuatorsChanged && { actuators }) };
  }

  private value(node: string, name: string, text: string): Result {
    const property = this.properties.find(node, name) ?? this.properties.at(node, name);
    const metric = property?.metric ?? metricOf(node, name);
    const read = readValue(property, text);
    if (!read.ok) return { ok: true, value: [{ kind: 'readings', readings: [], refused: [{ metric, detail: read.detail }] }] };
    const inputs: DialectInput[] = [{ kind: 'readings', readings: [{ metric, value: read.value }], refused: [] }];
    // A settable property's new value is its answer to the commands that asked for it.
    if (property && (property.settable === true || this.commanded.has(metric)))
      inputs.push({ kind: 'answer', key: stateKey(metric, read.value), ok: true });
    return { ok: true, value: inputs };
  }
}

function meta(value: DeviceMeta): Result {
  return { ok: true, value: [{ kind: 'meta', meta: value }] };
}
