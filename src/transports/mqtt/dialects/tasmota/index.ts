// Tasmota devices (docs/devices/tasmota.md), known by their %topic%. A device publishes telemetry
// on tele/<topic>/SENSOR and STATE, its presence on tele/<topic>/LWT, answers on stat/<topic>/…,
// and takes commands on cmnd/<topic>/<Command>; FullTopic `%topic%/%prefix%/` swaps the first two
// levels, and the session sends commands in the order the device was last seen using. Tasmota's
// `Time` is local time without a zone, so readings carry no ts and the hub stamps the receive time.
import { requestedState, stateKey } from '../dialect.js';
import type { Command } from '../../../../core/model.js';
import type { CommandPlan, Decoded, DialectInput, DialectSession, MqttDialect, TopicRoute } from '../dialect.js';
import { readDiscoveryConfig, readInfo1 } from './about.js';
import { Known, type StatTopic } from './known.js';
import { readSensors, type SensorReadings } from './sensor.js';
import { actuatorOfKey, commandOfActuator, readPowers, readState, type PowerReport, type StateReadings } from './state.js';
import { DEFAULT_ORDER, checkTopic, commandTopic, describeTopics, parseSubscription, parseTopic, type TopicOrder } from './topics.js';

export const tasmotaDialect: MqttDialect = {
  kind: 'tasmota',
  // Tasmota's own default (tasmota_<last 6 MAC digits>) is unknown to the hub: the device's Topic is set to its id.
  defaultTopic: (deviceId) => deviceId,
  checkTopic,
  describe: describeTopics,
  open: (_deviceId, topic) => new TasmotaSession(topic),
};

type Inputs = Decoded<DialectInput[]>;
const NOTHING: Inputs = { ok: true, value: [] };

class TasmotaSession implements DialectSession {
  private order: TopicOrder = DEFAULT_ORDER;
  private readonly known = new Known();

  constructor(private readonly topic: string) {}

  route(topic: string): TopicRoute {
    const parsed = parseTopic(topic, this.topic);
    switch (parsed.kind) {
      case 'own':
        // On connecting Tasmota publishes an empty cmnd/<topic>/POWER (a power query; decode drops it).
        if (parsed.prefix === 'cmnd' && parsed.subtopic !== 'POWER')
          return { ok: false, code: 'hub_topic', detail: `hub topic: ${topic} carries commands to the device, not from it` };
        return { ok: true };
      case 'discovery':
        return { ok: true };
      case 'group':
        return {
          ok: false,
          code: 'hub_topic',
          detail: `hub topic: ${topic} is the group topic of every Tasmota; a device does not publish there`,
        };
      case 'foreign':
        return {
          ok: false,
          code: 'foreign_topic',
          detail: `foreign topic: this device publishes only under ${describeTopics(this.topic)}`,
        };
      case 'bad':
        return { ok: false, code: 'bad_topic', detail: parsed.reason };
    }
  }

  decode(topic: string, payload: Buffer): Inputs {
    const parsed = parseTopic(topic, this.topic);
    if (parsed.kind === 'discovery') return parsed.part === 'config' ? this.discovery(payload) : NOTHING;
    if (parsed.kind !== 'own') return { ok: false, code: 'bad_topic', detail: `not one of this device's topics: ${topic}` };
    this.order = parsed.order;
    const { prefix, subtopic } = parsed;
    if (prefix === 'cmnd') {
      if (payload.length === 0) return NOTHING;
      return { ok: false, code: 'hub_topic', detail: `hub topic: ${topic} carries commands to the device, not from it` };
    }
    return prefix === 'tele' ? this.telemetry(subtopic, payload) : this.status(subtopic, payload);
  }

  maySubscribe(filter: string): boolean {
    return parseSubscription(filter, this.topic) !== null;
  }

  subscribed(filter: string): { resume: boolean; commands: boolean } {
    const subscription = parseSubscription(filter, this.topic);
    if (subscription?.kind !== 'own') return { resume: false, commands: false };
    this.order = subscription.order;
    return { resume: false, commands: true };
  }

  /** `set {"power2": true}` → `cmnd/<topic>/POWER2` `ON`, settled when the relay reports ON. */
  command(command: Command): CommandPlan {
    const usage = 'Tasmota relays take set {"power": true|false} (power1 … power32 for one of several)';
    const names = Object.keys(command.params);
    if (command.action !== 'set') return { ok: false, detail: `${usage}; action ${JSON.stringify(command.action)} is not supported` };
    if (names.length !== 1) return { ok: false, detail: `${usage}, one relay per command` };
    const [actuator] = names;
    const tasmotaCommand = commandOfActuator(actuator);
    if (tasmotaCommand === null) return { ok: false, detail: `${usage}; ${JSON.stringify(actuator)} is not a relay` };
    const value = requestedState(command, actuator);
    if (value !== 0 && value !== 1)
      return { ok: false, detail: `${usage}; ${actuator} was given ${JSON.stringify(command.params[actuator])}` };
    const topic = commandTopic(this.order, this.topic, tasmotaCommand);
    return { ok: true, publishes: [{ topic, payload: value === 1 ? 'ON' : 'OFF' }], answer: stateKey(actuator, value) };
  }

  /** tele/<topic>/…: SENSOR, STATE, LWT and INFO1 are read; INFO2, INFO3, HASS_STATE, UPTIME and the rest are not needed. */
  private telemetry(subtopic: string, payload: Buffer): Inputs {
    switch (subtopic) {
      case 'SENSOR':
        return withObject(payload, (body) => this.readings(readSensors(body)));
      case 'STATE':
        return withObject(payload, (body) => this.readings(readState(body)));
      case 'LWT':
        return lastWill(payload);
      case 'INFO1':
        return withObject(payload, (body) => {
          const info = readInfo1(body);
          if (typeof info === 'string') return { ok: false, code: 'bad_meta', detail: info };
          return { ok: true, value: [{ kind: 'meta', meta: info }] };
        });
      default:
        return NOTHING;
    }
  }

  /** stat/<topic>/…: relay reports, and the sensor and state answers to Status 10 and 11; other answers are not needed. */
  private status(subtopic: string, payload: Buffer): Inputs {
    const actuator = actuatorOfKey(subtopic);
    if (actuator !== null) return this.powerText(actuator, payload);
    switch (subtopic) {
      case 'RESULT':
        return withObject(payload, (body) => this.powerReports(readPowers(body), 'RESULT'));
      case 'STATUS8':
      case 'STATUS10':
        return withObject(payload, (body) => (isObject(body.StatusSNS) ? this.readings(readSensors(body.StatusSNS)) : NOTHING));
      case 'STATE': // the answer to the State command, with SetOption4
        return withObject(payload, (body) => this.readings(readState(body)));
      case 'STATUS11':
        return withObject(payload, (body) => (isObject(body.StatusSTS) ? this.readings(readState(body.StatusSTS)) : NOTHING));
      default:
        return NOTHING;
    }
  }

  /** stat/<topic>/POWER2 `ON`: always sent after a switch, in plain text. */
  private powerText(actuator: string, payload: Buffer): Inputs {
    const { powers, refused } = readPowers({ [actuator.toUpperCase()]: payload.toString('utf8') });
    return this.powerReports({ powers, refused }, 'POWER');
  }

  private powerReports({ powers, refused }: Pick<StateReadings, 'powers' | 'refused'>, from: StatTopic): Inputs {
    const readings = powers
      .filter((p) => !this.known.repeatsOtherStat(p, from))
      .map(({ actuator, value }) => ({ metric: actuator, value }));
    return this.readings({ readings, refused, metrics: [], powers });
  }

  /** Meta for new units and relays, the readings, and an answer for each relay state reported. */
  private readings({ readings, refused, metrics, powers }: SensorReadings & { powers?: PowerReport[] }): Inputs {
    const inputs: DialectInput[] = [];
    const units = this.known.newUnits(metrics);
    const relays = this.known.newRelays(powers ?? []);
    if (units.length > 0 || relays !== null)
      inputs.push({ kind: 'meta', meta: { ...(units.length > 0 && { metrics: units }), ...(relays && { actuators: relays }) } });
    if (readings.length + refused.length > 0) inputs.push({ kind: 'readings', readings, refused });
    for (const { actuator, value } of powers ?? []) inputs.push({ kind: 'answer', key: stateKey(actuator, value), ok: true });
    return { ok: true, value: inputs };
  }

  /** tasmota/discovery/<MAC>/config, retained: the device's name and firmware, and its FullTopic's order. */
  private discovery(payload: Buffer): Inputs {
    if (payload.length === 0) return NOTHING; // a retained config being cleared
    return withObject(payload, (body) => {
      const config = readDiscoveryConfig(body, this.topic);
      if (typeof config === 'string') return { ok: false, code: 'bad_meta', detail: config };
      if (!config.forDevice) return NOTHING;
      if (config.order) this.order = config.order;
      return { ok: true, value: Object.keys(config.meta).length > 0 ? [{ kind: 'meta', meta: config.meta }] : [] };
    });
  }
}

/** tele/<topic>/LWT: `Online` when connected, `Offline` as the last will (retained). */
function lastWill(payload: Buffer): Inputs {
  const text = payload.toString('utf8').trim().toLowerCase();
  if (text === 'online' || text === 'offline') return { ok: true, value: [{ kind: 'status', status: text }] };
  return { ok: false, code: 'bad_status', detail: 'LWT must be "Online" or "Offline"' };
}

function withObject(payload: Buffer, read: (body: Record<string, unknown>) => Inputs): Inputs {
  let body: unknown;
  try {
    body = JSON.parse(payload.toString('utf8'));
  } catch (err) {
    return { ok: false, code: 'malformed', detail: `malformed JSON: ${(err as Error).message}` };
  }
  if (!isObject(body)) return { ok: false, code: 'malformed', detail: 'payload must be a JSON object' };
  return read(body);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
