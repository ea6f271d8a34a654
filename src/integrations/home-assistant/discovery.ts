// The discovery configs of one hub device, as pure data: which retained config goes to which
// topic. One sensor per metric, one switch or number per actuator (a metric named like an
// actuator is that actuator's reported state, so it drives the switch instead of becoming a
// sensor of its own). Every entity is available only while both the bridge and the device are
// (`availability_mode: all`), and reads its value from the device's one JSON state topic.
import type { Device, TransportKind } from '../../core/model.js';
import { actuatorComponentOf, displayName, sensorKindOf } from './entities.js';
import { type BridgeTopics, entitySlug, topicId } from './topics.js';

export interface DiscoveryEntity {
  component: 'sensor' | 'switch' | 'number';
  configTopic: string;
  config: Record<string, unknown>;
  /** Set for actuators: the actuator's name, its command and state topics. */
  actuator?: { name: string; commandTopic: string; stateTopic: string };
}

const MODELS: Partial<Record<TransportKind, string>> = {
  mqtt: 'MQTT device',
  simulator: 'Simulated device',
};
const SERIAL_MODELS: Record<string, string> = {
  dsmr: 'DSMR P1 smart meter',
  line: 'Serial line-protocol device',
  firmata: 'Firmata board',
};

export function nodeOf(deviceId: string): string {
  return topicId(deviceId);
}

/** The `device` block every entity of the device repeats, so Home Assistant groups them. */
export function deviceBlock(device: Device, topics: BridgeTopics): Record<string, unknown> {
  return {
    identifiers: [`${topics.hubId}_${nodeOf(device.id)}`],
    name: device.name || device.id,
    manufacturer: 'telemetry-hub',
    model: MODELS[device.transport] ?? SERIAL_MODELS[device.transport] ?? `${device.transport} device`,
    ...(device.firmware ? { sw_version: device.firmware } : {}),
  };
}

export function deviceEntities(device: Device, topics: BridgeTopics, version: string): DiscoveryEntity[] {
  const node = nodeOf(device.id);
  const actuatorNames = new Set(device.actuators.map((a) => a.name));
  const shared = (component: string, entity: string) => {
    const objectId = `${node}_${entity}`;
    return {
      unique_id: `${topics.hubId}_${objectId}`,
      object_id: objectId,
      // Home Assistant 2025.10 and later read the default entity id from here (object_id is deprecated there).
      default_entity_id: `${component}.${entitySlug(objectId)}`,
      device: deviceBlock(device, topics),
      origin: { name: 'telemetry-hub', sw_version: version },
      availability: [{ topic: topics.bridgeStatus }, { topic: topics.availability(node) }],
      availability_mode: 'all',
      payload_available: 'online',
      payload_not_available: 'offline',
    };
  };

  const sensors: DiscoveryEntity[] = device.metrics
    .filter((metric) => !actuatorNames.has(metric.name))
    .map((metric) => {
      const entity = topicId(metric.name);
      return {
        component: 'sensor',
        configTopic: topics.config('sensor', node, entity),
        config: {
          name: displayName(metric.name),
          ...shared('sensor', entity),
          state_topic: topics.state(node),
          // An empty result (the metric not reported yet) leaves a numeric sensor's state as it is.
          value_template: `{{ value_json['${metric.name}'] | default('') }}`,
          ...sensorKindOf(metric),
        },
      };
    });

  const actuators: DiscoveryEntity[] = device.actuators.map((actuator) => {
    const entity = topicId(actuator.name);
    const kind = actuatorComponentOf(actuator);
    const commandTopic = topics.command(node, entity);
    const stateTopic = topics.actuatorState(node, entity);
    const io = { command_topic: commandTopic, state_topic: stateTopic };
    const config =
      kind.component === 'switch'
        ? { ...io, payload_on: 'ON', payload_off: 'OFF', state_on: 'ON', state_off: 'OFF' }
        : { ...io, min: kind.min, max: kind.max, step: kind.step, mode: 'slider' };
    return {
      component: kind.component,
      configTopic: topics.config(kind.component, node, entity),
      config: { name: displayName(actuator.name), ...shared(kind.component, entity), ...config },
      actuator: { name: actuator.name, commandTopic, stateTopic },
    };
  });
  return [...sensors, ...actuators];
}
