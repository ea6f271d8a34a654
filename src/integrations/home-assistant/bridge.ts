// The Home Assistant bridge: publishes every hub device to the broker Home Assistant uses, by
// MQTT discovery, and carries Home Assistant's switch and number commands back as hub commands.
// What it publishes follows the bus: configs on every `device` event (a new metric is a new
// entity) and on Home Assistant's birth message, availability on every `presence` event, state
// on `readings` (coalesced per device), actuator state from a reading named like the actuator or
// from an acked `set` command, and empty retained configs when a device is removed. Alert rules
// become binary sensors (alert-sensors.ts), following `alert` and `alertRule` events. Everything
// the broker should hold is retained and published again after every reconnection.
import { randomBytes } from 'node:crypto';
import type { Alert } from '../../core/alerts/alert.js';
import type { AlertRule } from '../../core/alerts/rules.js';
import { CommandError, type CommandService } from '../../core/commands.js';
import type { DeviceRegistry } from '../../core/devices.js';
import type { EventBus } from '../../core/events.js';
import type { HubLogger } from '../../core/logger.js';
import type { ActuatorSpec, Command, Device, PresenceState, Reading } from '../../core/model.js';
import type { Stage } from '../../core/stage.js';
import type { Counter, MetricsRegistry } from '../../observability/prometheus.js';
import { AlertSensors } from './alert-sensors.js';
import { actuatorState, type HaCommandRefusalCode, parseCommandPayload } from './commands.js';
import { BrokerLink, type LinkHealth } from './connection.js';
import { type DiscoveryEntity, deviceEntities, nodeOf } from './discovery.js';
import { type DeviceValues, StateCoalescer } from './state.js';
import { BridgeTopics } from './topics.js';

export interface HomeAssistantOptions {
  url: string;
  username: string;
  password: string;
  discoveryPrefix: string;
  baseTopic: string;
  stateIntervalMs: number;
  /** How long a command from Home Assistant waits for the device's answer. */
  commandTimeoutMs: number;
  version: string;
}

export interface HomeAssistantDeps {
  bus: EventBus;
  devices: Pick<DeviceRegistry, 'get' | 'list'>;
  commands: Pick<CommandService, 'create'>;
  log: HubLogger;
  registry: MetricsRegistry;
  /** The alert rules and active alerts, for the rules' binary sensors; without it there are none. */
  alerts?: { rules: () => AlertRule[]; active: () => Alert[] };
}

export class HomeAssistantBridge implements Stage {
  readonly name = 'home-assistant';
  readonly topics: BridgeTopics;
  private link: BrokerLink | null = null;
  private readonly state: StateCoalescer;
  /** The entities last published per device, so those a device no longer has are cleared. */
  private readonly published = new Map<string, DiscoveryEntity[]>();
  private readonly commandRoutes = new Map<string, { deviceId: string; actuator: ActuatorSpec }>();
  /** The last state payload of each actuator state topic, published again after a reconnection. */
  private readonly actuatorStates = new Map<string, string>();
  /** Retained topics to empty that could not be emptied while the broker was away. */
  private readonly toClear = new Set<string>();
  private readonly unsubscribe: Array<() => void> = [];
  private readonly refused: Counter;
  private readonly alertSensors: AlertSensors;

  constructor(
    private readonly deps: HomeAssistantDeps,
    private readonly options: HomeAssistantOptions,
  ) {
    this.topics = new BridgeTopics(options.discoveryPrefix, options.baseTopic);
    this.state = new StateCoalescer(options.stateIntervalMs, (deviceId, values) => this.publishState(deviceId, values));
    this.refused = deps.registry.counter(
      'hub_ha_commands_refused_total',
      'Messages on Home Assistant command topics that did not become hub commands, by reason.',
    );
    this.alertSensors = new AlertSensors({
      topics: this.topics,
      version: options.version,
      rules: () => deps.alerts?.rules() ?? [],
      active: () => deps.alerts?.active() ?? [],
      devices: () => deps.devices.list(),
      publish: (topic, payload) => this.link?.publish(topic, payload, { retain: true, qos: 1 }),
      clear: (topic) => this.clear(topic),
    });
  }

  async start(): Promise<void> {
    const { bus } = this.deps;
    this.unsubscribe.push(
      bus.on('readings', ({ deviceId, readings }) => this.onReadings(deviceId, readings)),
      bus.on('presence', ({ deviceId, state }) => this.publishAvailability(deviceId, state)),
      bus.on('device', (device) => {
        this.publishDevice(device);
        this.alertSensors.sync();
      }),
      bus.on('deviceRemoved', ({ id }) => {
        this.removeDevice(id);
        this.alertSensors.sync();
      }),
      bus.on('command', (command) => this.onCommand(command)),
      bus.on('alert', (event) => this.alertSensors.onAlert(event)),
      bus.on('alertRule', () => this.alertSensors.sync()),
    );
    this.link = new BrokerLink(
      {
        url: this.options.url,
        username: this.options.username,
        password: this.options.password,
        clientId: `${this.topics.hubId}-${randomBytes(4).toString('hex')}`,
        will: { topic: this.topics.bridgeStatus, payload: 'offline' },
      },
      { onConnect: () => this.onConnect(), onMessage: (topic, payload, retained) => this.onMessage(topic, payload, retained) },
      this.deps.log,
    );
    this.link.start();
  }

  async stop(): Promise<void> {
    for (const off of this.unsubscribe.splice(0)) off();
    this.state.stop();
    // A clean goodbye: the broker sends the last will only when the connection dies.
    this.link?.publish(this.topics.bridgeStatus, 'offline', { retain: true, qos: 1 });
    await this.link?.stop();
    this.link = null;
  }

  health(): LinkHealth & { devices: number; alertSensors: number } {
    const link = this.link?.health() ?? { ok: false, detail: 'not started', url: '', connected: false, connects: 0, since: null };
    return { ...link, devices: this.published.size, alertSensors: this.alertSensors.count };
  }

  private onConnect(): void {
    const link = this.link!;
    link.publish(this.topics.bridgeStatus, 'online', { retain: true, qos: 1 });
    link.subscribe([this.topics.haStatus, this.topics.commandFilter]);
    for (const topic of this.toClear) link.publish(topic, '', { retain: true, qos: 1 });
    this.toClear.clear();
    this.publishAll();
  }

  /** Configs, availability and state of every device: after a connection and on Home Assistant's birth. */
  private publishAll(): void {
    for (const device of this.deps.devices.list()) {
      this.publishDevice(device);
      this.publishAvailability(device.id, device.presence);
    }
    this.state.flushAll();
    for (const [topic, payload] of this.actuatorStates) this.link?.publish(topic, payload, { retain: true, qos: 1 });
    this.alertSensors.sync(true);
  }

  private publishDevice(device: Device): void {
    const entities = deviceEntities(device, this.topics, this.options.version);
    const current = new Set(entities.map((e) => e.configTopic));
    for (const gone of this.published.get(device.id) ?? []) {
      if (!current.has(gone.configTopic)) this.clear(gone.configTopic);
      if (gone.actuator) this.commandRoutes.delete(gone.actuator.commandTopic);
    }
    for (const entity of entities) {
      this.link?.publish(entity.configTopic, JSON.stringify(entity.config), { retain: true, qos: 1 });
      const actuator = entity.actuator && device.actuators.find((a) => a.name === entity.actuator!.name);
      if (actuator) this.commandRoutes.set(entity.actuator!.commandTopic, { deviceId: device.id, actuator });
    }
    this.published.set(device.id, entities);
  }

  private publishAvailability(deviceId: string, presence: PresenceState): void {
    const available = presence === 'online' || presence === 'stale';
    this.link?.publish(this.topics.availability(nodeOf(deviceId)), available ? 'online' : 'offline', { retain: true, qos: 1 });
  }

  private onReadings(deviceId: string, readings: Reading[]): void {
    this.state.note(deviceId, readings);
  }

  private publishState(deviceId: string, values: DeviceValues): void {
    const device = this.deps.devices.get(deviceId);
    if (!device) return;
    this.link?.publish(this.topics.state(nodeOf(deviceId)), JSON.stringify(values), { retain: true, qos: 0 });
    for (const actuator of device.actuators) {
      if (actuator.name in values) this.publishActuatorState(device, actuator, values[actuator.name]);
    }
  }

  private publishActuatorState(device: Device, actuator: ActuatorSpec, value: boolean | number): void {
    const entity = this.published.get(device.id)?.find((e) => e.actuator?.name === actuator.name);
    if (!entity?.actuator) return;
    const payload = actuatorState(actuator, value);
    this.actuatorStates.set(entity.actuator.stateTopic, payload);
    this.link?.publish(entity.actuator.stateTopic, payload, { retain: true, qos: 1 });
  }

  /**
   * An acked `set` (from Home Assistant, the dashboard or the API) tells the actuator's new value,
   * unless the device reports that value itself as a reading of the same name.
   */
  private onCommand(command: Command): void {
    if (command.state !== 'acked' || command.action !== 'set') return;
    const device = this.deps.devices.get(command.deviceId);
    if (!device) return;
    for (const [name, value] of Object.entries(command.params)) {
      const actuator = device.actuators.find((a) => a.name === name);
      const reported = device.metrics.some((m) => m.name === name);
      if (actuator && !reported && (typeof value === 'boolean' || typeof value === 'number'))
        this.publishActuatorState(device, actuator, value);
    }
  }

  private onMessage(topic: string, payload: Buffer, retained: boolean): void {
    if (topic === this.topics.haStatus) {
      if (payload.toString() !== 'online') return;
      this.deps.log.info({ topic }, 'Home Assistant is online; publishing every device again');
      this.publishAll();
      return;
    }
    if (retained) {
      this.refuse('retained', 'a retained message on a command topic is replayed on every subscribe; commands must not be retained', topic);
      return;
    }
    const route = this.commandRoutes.get(topic);
    if (!route) {
      this.refuse('unknown_entity', `no actuator is published with the command topic ${topic}`, topic);
      return;
    }
    const parsed = parseCommandPayload(route.actuator, payload.toString('utf8'));
    if (!parsed.ok) {
      this.refuse(parsed.code, parsed.detail, topic);
      return;
    }
    const params = { [route.actuator.name]: parsed.value };
    this.deps.commands.create({ deviceId: route.deviceId, action: 'set', params, timeoutMs: this.options.commandTimeoutMs }).then(
      (command) =>
        this.deps.log.info(
          { deviceId: route.deviceId, commandId: command.id, params, state: command.state },
          'command from Home Assistant',
        ),
      (err: unknown) => {
        if (err instanceof CommandError) return this.refuse('command_refused', err.message, topic);
        this.deps.log.error({ err, topic }, 'command from Home Assistant could not be created');
      },
    );
  }

  private refuse(code: HaCommandRefusalCode, detail: string, topic: string): void {
    this.refused.inc({ reason: code });
    this.deps.log.warn({ code, detail, topic }, 'Home Assistant command refused');
  }

  /** Empties the device's retained configs, so Home Assistant removes its entities, and its state. */
  private removeDevice(id: string): void {
    const entities = this.published.get(id) ?? [];
    for (const entity of entities) {
      this.clear(entity.configTopic);
      if (entity.actuator) {
        this.commandRoutes.delete(entity.actuator.commandTopic);
        this.actuatorStates.delete(entity.actuator.stateTopic);
        this.clear(entity.actuator.stateTopic);
      }
    }
    const node = nodeOf(id);
    this.clear(this.topics.state(node));
    this.clear(this.topics.availability(node));
    this.published.delete(id);
    this.state.forget(id);
    this.deps.log.info({ deviceId: id, entities: entities.length }, 'device removed from Home Assistant');
  }

  private clear(topic: string): void {
    if (this.link?.connected) this.link.publish(topic, '', { retain: true, qos: 1 });
    else this.toClear.add(topic);
  }
}
