// What the hub publishes to other systems: alert transitions as signed webhooks with retries
// (alert-webhooks/) and on the hub's own MQTT broker (alert-mqtt/), and devices and alerts to
// Home Assistant (home-assistant/, when HUB_HA_MQTT_URL is set). Each is a stage; the composition
// root builds them here and places them in its stage list.
import { SETTINGS } from '../config/settings.js';
import type { Hub } from '../hub.js';
import { VERSION } from '../version.js';
import { AlertPublisher } from './alert-mqtt/alert-publisher.js';
import { WebhookSender } from './alert-webhooks/webhook-sender.js';
import { HomeAssistantBridge } from './home-assistant/bridge.js';
import { checkTopicRoot } from './home-assistant/topics.js';

export type IntegrationParts = Pick<Hub, 'config' | 'log' | 'bus' | 'metrics' | 'mqtt' | 'alerts' | 'devices' | 'commands'>;

export interface Integrations {
  webhooks: WebhookSender;
  alertPublisher: AlertPublisher;
  homeAssistant: HomeAssistantBridge | null;
}

/** Deliveries a webhook gets before it is given up. */
const WEBHOOK_ATTEMPTS = 4;
const WEBHOOK_TIMEOUT_MS = 10_000;
/** How long a command from Home Assistant waits for the device's answer. */
const HA_COMMAND_TIMEOUT_MS = 10_000;

/**
 * `apiUrl` and `running` are read only when used: the HTTP server is made after these, and the
 * webhooks resume deliveries owed from a previous run once every stage has started.
 */
export function integrations(hub: IntegrationParts, when: { apiUrl: () => string; running: () => Promise<void> }): Integrations {
  const { alerts } = hub;
  const link = (alert: { id: string }): string => `${when.apiUrl()}/api/alerts/${alert.id}`;
  const webhooks = new WebhookSender(
    {
      bus: hub.bus,
      record: (id, attempt) => {
        hub.metrics.webhookAttempted(attempt.ok);
        return alerts.recordDelivery(id, attempt);
      },
      stored: () => alerts.alerts.list(),
      running: when.running,
      rule: (id) => alerts.rules.get(id),
      log: hub.log.child({ stage: 'alert-webhooks' }),
    },
    { attempts: WEBHOOK_ATTEMPTS, firstRetryMs: hub.config.alertWebhookRetryMs, timeoutMs: WEBHOOK_TIMEOUT_MS, link },
  );
  const publisher = new AlertPublisher(
    {
      bus: hub.bus,
      broker: hub.mqtt,
      active: () => alerts.alerts.activeAlerts(),
      rule: (id) => alerts.rules.get(id),
      log: hub.log.child({ stage: 'alert-mqtt' }),
    },
    { link },
  );
  return { webhooks, alertPublisher: publisher, homeAssistant: homeAssistantBridge(hub) };
}

function homeAssistantBridge(hub: IntegrationParts): HomeAssistantBridge | null {
  const { config, alerts } = hub;
  if (!config.haMqttUrl) return null;
  return new HomeAssistantBridge(
    {
      bus: hub.bus,
      devices: hub.devices,
      commands: hub.commands,
      log: hub.log.child({ stage: 'home-assistant' }),
      registry: hub.metrics.registry,
      alerts: { rules: () => alerts.rules.list(), active: () => alerts.alerts.activeAlerts() },
    },
    {
      url: config.haMqttUrl,
      username: config.haMqttUsername,
      password: config.haMqttPassword,
      discoveryPrefix: checkTopicRoot(SETTINGS.haDiscoveryPrefix.env, config.haDiscoveryPrefix),
      baseTopic: checkTopicRoot(SETTINGS.haBaseTopic.env, config.haBaseTopic),
      stateIntervalMs: config.haStateIntervalMs,
      commandTimeoutMs: HA_COMMAND_TIMEOUT_MS,
      version: VERSION,
    },
  );
}
