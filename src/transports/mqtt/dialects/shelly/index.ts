// Shelly devices, Gen1 and Gen2+, by their own MQTT convention (docs/devices/shelly.md). The
// device's hub topic is its MQTT prefix; which generation speaks is told by the topics it
// publishes (topics.ts). Gen2 commands are JSON-RPC requests answered with their id; Gen1
// commands are on/off on relay/<n>/command, answered by the relay reporting its new state.
import type { Command } from '../../../../core/model.js';
import {
  requestedState,
  stateKey,
  type CommandPlan,
  type Decoded,
  type DeviceMeta,
  type DialectInput,
  type DialectSession,
  type MqttDialect,
  type RefusedReading,
  type TopicRoute,
} from '../dialect.js';
import { announcesPrefix, readGen1, relayCommand } from './gen1.js';
import { readAnswer, readNotification, readStatus, rpcKey, switchSet, type Gen2Reading } from './gen2.js';
import { ShellyMemory } from './memory.js';
import { parseFrame } from './schemas.js';
import type { Measurement } from './status.js';
import { answerSource, checkPrefix, classify, isCommandFilter, takesCommands } from './topics.js';

export const shellyDialect: MqttDialect = {
  kind: 'shelly',
  // A Gen2+ device's prefix is its Shelly id (shellyplus1pm-4417939341dc) unless changed: a hub
  // device named by that id needs no topic. A Gen1 device is provisioned with shellies/<its id>.
  defaultTopic: (deviceId) => deviceId,
  checkTopic: checkPrefix,
  describe: (prefix) => `${prefix}/… (online, status/<component:id>, events/rpc; Gen1 relay/<n>, emeter/<n>/<field>, …)`,
  open: (deviceId, prefix) => new ShellySession(deviceId, prefix),
};

class ShellySession implements DialectSession {
  private readonly memory = new ShellyMemory();
  private readonly src: string;
  private readonly answerTopic: string;
  // RPC ids count up from the hub's start in seconds, so an answer to a request of the hub's
  // previous run cannot settle a new request; Shelly's ids are 32-bit, which this stays within.
  private nextRpcId = Math.floor(Date.now() / 1000) % 2 ** 30;

  constructor(
    deviceId: string,
    private readonly prefix: string,
  ) {
    this.src = answerSource(deviceId);
    this.answerTopic = `${this.src}/rpc`;
  }

  route(topic: string): TopicRoute {
    const place = classify(this.prefix, this.answerTopic, topic);
    if (place.side === 'device') return { ok: true };
    if (place.side === 'hub')
      return {
        ok: false,
        code: 'hub_topic',
        detail: `hub topic: ${topic} is where the hub sends commands to the device, not the device's to publish`,
      };
    return {
      ok: false,
      code: 'foreign_topic',
      detail: `foreign topic: this Shelly publishes under ${this.prefix}/, on ${this.answerTopic} and shellies/announce only`,
    };
  }

  decode(topic: string, payload: Buffer, _receivedAt: number): Decoded<DialectInput[]> {
    const place = classify(this.prefix, this.answerTopic, topic);
    if (place.side !== 'device') return { ok: false, code: 'bad_topic', detail: `${topic} is not a topic this Shelly publishes` };
    switch (place.kind) {
      case 'online':
        return this.online(payload);
      case 'status':
        return this.gen2(readStatus(this.memory, place.component, payload));
      case 'events':
        return this.gen2(readNotification(this.memory, payload));
      case 'answer':
        return this.answer(payload);
      case 'announce':
        return this.announce(payload);
      case 'path':
        return this.gen1(place.path, payload);
    }
  }

  maySubscribe(filter: string): boolean {
    return isCommandFilter(this.prefix, filter);
  }

  subscribed(filter: string): { resume: boolean; commands: boolean } {
    return { resume: false, commands: takesCommands(this.prefix, filter) };
  }

  /** `set {"switch.<n>": true}` → Gen2 Switch.Set; `set {"relay.<n>": true}` → Gen1 relay/<n>/command on. */
  command(command: Command): CommandPlan {
    const names = Object.keys(command.params);
    if (command.action !== 'set' || names.length !== 1)
      return { ok: false, detail: 'a Shelly takes set with one switch: {"switch.0": true} (Gen2+) or {"relay.0": true} (Gen1)' };
    const [actuator] = names;
    const state = requestedState(command, actuator);
    if (state !== 0 && state !== 1) return { ok: false, detail: `${actuator} takes true or false (1 or 0)` };
    const gen2 = /^switch\.(\d+)$/.exec(actuator);
    if (gen2) {
      const id = this.nextRpcId++;
      return { ok: true, publishes: [switchSet(this.prefix, this.src, id, Number(gen2[1]), state === 1)], answer: rpcKey(id) };
    }
    const gen1 = /^relay\.(\d+)$/.exec(actuator);
    if (gen1) return { ok: true, publishes: [relayCommand(this.prefix, Number(gen1[1]), state === 1)], answer: stateKey(actuator, state) };
    return { ok: false, detail: `${actuator} is not a Shelly switch; the hub switches switch.<n> (Gen2+) and relay.<n> (Gen1)` };
  }

  /** `true`/`false` on <prefix>/online, both generations (and their last will). */
  private online(payload: Buffer): Decoded<DialectInput[]> {
    const text = payload.toString('utf8').trim();
    if (text === 'true') return { ok: true, value: [{ kind: 'status', status: 'online' }] };
    if (text === 'false') return { ok: true, value: [{ kind: 'status', status: 'offline' }] };
    return { ok: false, code: 'bad_status', detail: `online must be true or false, got ${JSON.stringify(text.slice(0, 40))}` };
  }

  private gen2(read: { ok: true; value: Gen2Reading } | { ok: false; detail: string }): Decoded<DialectInput[]> {
    if (!read.ok) return { ok: false, code: 'malformed', detail: read.detail };
    const { measurements, refused, actuators, ts } = read.value;
    return { ok: true, value: this.inputs(measurements, refused, actuators, ts) };
  }

  private gen1(path: string[], payload: Buffer): Decoded<DialectInput[]> {
    const read = readGen1(path, payload);
    switch (read.kind) {
      case 'ignored':
        return { ok: true, value: [] };
      case 'refused':
        return { ok: true, value: [{ kind: 'readings', readings: [], refused: [read.refused] }] };
      case 'measurement':
        return { ok: true, value: this.inputs([read.measurement], [], []) };
      case 'relay': {
        const answer: DialectInput = { kind: 'answer', key: stateKey(read.actuator, read.measurement.value), ok: true };
        return { ok: true, value: [...this.inputs([read.measurement], [], [read.actuator]), answer] };
      }
    }
  }

  private answer(payload: Buffer): Decoded<DialectInput[]> {
    const read = readAnswer(payload);
    if (!read.ok) return { ok: false, code: 'malformed', detail: read.detail };
    return { ok: true, value: [{ kind: 'answer', ...read.value }] };
  }

  /** shellies/announce (or <prefix>/announce): the firmware, when the announce is this device's. */
  private announce(payload: Buffer): Decoded<DialectInput[]> {
    const frame = parseFrame('announce', payload);
    if (!frame.ok) return { ok: false, code: 'bad_meta', detail: frame.detail };
    const announce = frame.value;
    if (!announcesPrefix(announce, this.prefix))
      return { ok: false, code: 'foreign_topic', detail: `announce of ${announce.id}, not of this device (prefix ${this.prefix})` };
    if (announce.fw_ver === undefined) return { ok: true, value: [] };
    return { ok: true, value: [{ kind: 'meta', meta: { firmware: announce.fw_ver } }] };
  }

  /** Meta first when something is new (units, an actuator), then the readings. */
  private inputs(measurements: Measurement[], refused: RefusedReading[], actuators: string[], ts?: number): DialectInput[] {
    const out: DialectInput[] = [];
    const meta: DeviceMeta | null = this.memory.describe(measurements, actuators);
    if (meta) out.push({ kind: 'meta', meta });
    if (measurements.length + refused.length > 0) {
      const readings = measurements.map(({ metric, value }) => (ts === undefined ? { metric, value } : { metric, value, ts }));
      out.push({ kind: 'readings', readings, refused });
    }
    return out;
  }
}
