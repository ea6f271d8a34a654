// Alert rules in Home Assistant: one binary sensor (device class `problem`) per rule and device in
// the rule's scope, on the device's Home Assistant device, on while that rule's alert for the
// device is firing and off otherwise (a pending alert is not a problem yet). Its state topic
// carries the alert as JSON (`state` pending, firing, resolved, or ok when there is none; `since`,
// `values`, `acknowledged`), which the sensor also shows as attributes. It is available while the
// bridge is connected, whatever the device's own presence: a presence alert must show while the
// device is away. The sensors follow the rules and the devices: a rule made, or a device coming
// into a rule's scope, adds one; a rule removed, or a device leaving its scope, empties its
// retained config, which removes it from Home Assistant.
import type { Alert } from '../../core/alerts/alert.js';
import { devicesInScope, type AlertRule } from '../../core/alerts/rules.js';
import type { HubEvents } from '../../core/events.js';
import type { Device } from '../../core/model.js';
import { deviceBlock, nodeOf } from './discovery.js';
import { type BridgeTopics, entitySlug, topicId } from './topics.js';

export interface AlertSensor {
  configTopic: string;
  stateTopic: string;
  config: Record<string, unknown>;
}

export function alertSensor(rule: AlertRule, device: Device, topics: BridgeTopics, version: string): AlertSensor {
  const node = nodeOf(device.id);
  const entity = `alert_${topicId(rule.id)}`;
  const objectId = `${node}_${entity}`;
  const stateTopic = topics.alertState(node, entity);
  return {
    configTopic: topics.config('binary_sensor', node, entity),
    stateTopic,
    config: {
      name: `Alert ${rule.name}`,
      unique_id: `${topics.hubId}_${objectId}`,
      object_id: objectId,
      default_entity_id: `binary_sensor.${entitySlug(objectId)}`,
      device: deviceBlock(device, topics),
      origin: { name: 'telemetry-hub', sw_version: version },
      device_class: 'problem',
      state_topic: stateTopic,
      value_template: "{{ 'ON' if value_json.state == 'firing' else 'OFF' }}",
      json_attributes_topic: stateTopic,
      availability_topic: topics.bridgeStatus,
      payload_available: 'online',
      payload_not_available: 'offline',
    },
  };
}

export function alertStatePayload(rule: AlertRule, alert: Alert | undefined): string {
  return JSON.stringify({
    state: alert?.state ?? 'ok',
    rule: rule.name,
    kind: rule.kind,
    since: alert ? new Date(alert.since).toISOString() : null,
    values: alert?.values ?? {},
    acknowledged: Boolean(alert?.acknowledged),
  });
}

export class AlertSensors {
  /** What is published per rule and device: topics and the config as sent. */
  private readonly published = new Map<string, { configTopic: string; stateTopic: string; config: string }>();

  constructor(
    private readonly deps: {
      topics: BridgeTopics;
      version: string;
      rules: () => AlertRule[];
      active: () => Alert[];
      devices: () => Device[];
      /** Retained, QoS 1. */
      publish: (topic: string, payload: string) => void;
      clear: (topic: string) => void;
    },
  ) {}

  /**
   * Brings the sensors in line with the rules and devices: new or changed ones are published with
   * their state (all of them with `everything`, after a connection or Home Assistant's birth), and
   * the ones no rule and device stand for any more are emptied.
   */
  sync(everything = false): void {
    const devices = this.deps.devices();
    const active = new Map(this.deps.active().map((a) => [key(a.ruleId, a.deviceId), a]));
    const wanted = new Set<string>();
    for (const rule of this.deps.rules()) {
      for (const device of devicesInScope(rule, devices)) {
        const k = key(rule.id, device.id);
        wanted.add(k);
        const sensor = alertSensor(rule, device, this.deps.topics, this.deps.version);
        const config = JSON.stringify(sensor.config);
        if (!everything && this.published.get(k)?.config === config) continue;
        this.deps.publish(sensor.configTopic, config);
        this.deps.publish(sensor.stateTopic, alertStatePayload(rule, active.get(k)));
        this.published.set(k, { configTopic: sensor.configTopic, stateTopic: sensor.stateTopic, config });
      }
    }
    for (const [k, gone] of this.published) {
      if (wanted.has(k)) continue;
      this.deps.clear(gone.configTopic);
      this.deps.clear(gone.stateTopic);
      this.published.delete(k);
    }
  }

  onAlert({ alert, rule }: HubEvents['alert']): void {
    const sensor = this.published.get(key(alert.ruleId, alert.deviceId));
    if (!sensor || !rule) return;
    this.deps.publish(sensor.stateTopic, alertStatePayload(rule, alert));
  }

  get count(): number {
    return this.published.size;
  }
}

function key(ruleId: string, deviceId: string): string {
  return `${ruleId}\u0000${deviceId}`;
}
