// Publishes every alert transition on the hub's own broker, QoS 1, on `hub/alerts/<rule>/<device>`,
// for clients that log in with an API token (transports/mqtt/alert-readers.ts). The topic of an
// active alert (pending or firing, acknowledged or not) holds its state retained, so a client that
// subscribes later learns every active alert at once; a resolution is published once, not
// retained, and then the retained state is cleared (a zero-length retained message, which
// subscribers also receive and should ignore). The broker keeps retained messages in memory, so
// at start the active alerts are published again.
import type { Alert } from '../../core/alerts/alert.js';
import type { AlertRule } from '../../core/alerts/rules.js';
import type { EventBus, HubEvents } from '../../core/events.js';
import type { HubLogger } from '../../core/logger.js';
import type { Stage } from '../../core/stage.js';
import { ALERT_TOPIC_ROOT } from '../../transports/mqtt/alert-readers.js';

export interface AlertBroker {
  publish(topic: string, payload: string, retain: boolean): Promise<boolean>;
}

export function alertTopic(ruleId: string, deviceId: string): string {
  return `${ALERT_TOPIC_ROOT}/${ruleId}/${deviceId}`;
}

export class AlertPublisher implements Stage {
  readonly name = 'alert-mqtt';
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly deps: {
      bus: EventBus;
      broker: AlertBroker;
      active: () => Alert[];
      rule: (id: string) => AlertRule | undefined;
      log: HubLogger;
    },
    private readonly options: { link: (alert: Alert) => string },
  ) {}

  async start(): Promise<void> {
    this.unsubscribe = this.deps.bus.on('alert', (event) => void this.onAlert(event));
    for (const alert of this.deps.active()) await this.send(alert, this.deps.rule(alert.ruleId) ?? null, alert.state, true);
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  private async onAlert({ alert, rule, transition }: HubEvents['alert']): Promise<void> {
    if (alert.state !== 'resolved') {
      await this.send(alert, rule, transition, true);
      return;
    }
    if (transition !== 'resolved') return; // an acknowledgement of a resolved alert changes nothing here
    await this.send(alert, rule, transition, false);
    await this.publish(alertTopic(alert.ruleId, alert.deviceId), '', true);
  }

  private async send(alert: Alert, rule: AlertRule | null, transition: HubEvents['alert']['transition'], retain: boolean): Promise<void> {
    const at = alert.transitions.at(-1)?.at ?? alert.updatedAt;
    const payload = JSON.stringify({
      rule: { id: alert.ruleId, name: rule?.name ?? null, kind: rule?.kind ?? null },
      device: alert.deviceId,
      state: alert.state,
      transition,
      values: alert.values,
      since: new Date(alert.since).toISOString(),
      at: new Date(at).toISOString(),
      acknowledged: alert.acknowledged,
      link: this.options.link(alert),
    });
    await this.publish(alertTopic(alert.ruleId, alert.deviceId), payload, retain);
  }

  private async publish(topic: string, payload: string, retain: boolean): Promise<void> {
    if (!(await this.deps.broker.publish(topic, payload, retain))) {
      this.deps.log.warn({ topic }, 'alert not published: the broker is not running');
    }
  }
}
