// Every topic the bridge publishes or listens on, and the ids inside them. Home Assistant accepts
// a discovery topic only when its node and object ids match [a-zA-Z0-9_-]+ (anything else is
// dropped as an "illegal discovery topic"), while hub device ids and metric names may hold "."
// too. An id that is already legal is kept as it is; any other gets its illegal characters
// replaced and a short hash of the original appended, so `meter.1` and `meter_1` stay apart and
// the same id always gives the same topic.
import { createHash } from 'node:crypto';
import { ConfigError } from '../../config/settings.js';

const LEGAL_ID = /^[a-zA-Z0-9_-]+$/;

export function topicId(raw: string): string {
  if (LEGAL_ID.test(raw)) return raw;
  const cleaned = raw.replace(/[^a-zA-Z0-9_-]/g, '_');
  const hash = createHash('sha256').update(raw).digest('hex').slice(0, 6);
  return `${cleaned}_${hash}`;
}

/** Lower case and underscores: the part after the dot of a Home Assistant entity id. */
export function entitySlug(id: string): string {
  return id.toLowerCase().replace(/[^a-z0-9_]/g, '_');
}

/** A topic the user configures: non-empty, no wildcards, no leading or trailing slash. */
export function checkTopicRoot(setting: string, topic: string): string {
  if (topic === '' || /[+#\0]/.test(topic) || topic.startsWith('/') || topic.endsWith('/'))
    throw new ConfigError(setting, `must be a topic without wildcards (+, #) or leading and trailing "/", got "${topic}"`);
  return topic;
}

export class BridgeTopics {
  /** The hub's own id in unique ids, device identifiers and discovery node ids. */
  readonly hubId: string;

  constructor(
    readonly discoveryPrefix: string,
    readonly base: string,
  ) {
    this.hubId = topicId(base);
  }

  /** Home Assistant's birth and last will. */
  get haStatus(): string {
    return `${this.discoveryPrefix}/status`;
  }

  /** The bridge's own availability, also its last will (`offline`). */
  get bridgeStatus(): string {
    return `${this.base}/status`;
  }

  /** What the bridge subscribes to for commands: `<base>/<node>/<actuator>/set`. */
  get commandFilter(): string {
    return `${this.base}/+/+/set`;
  }

  availability(node: string): string {
    return `${this.base}/${node}/availability`;
  }

  state(node: string): string {
    return `${this.base}/${node}/state`;
  }

  actuatorState(node: string, entity: string): string {
    return `${this.base}/${node}/${entity}/state`;
  }

  /** An alert rule's binary sensor on a device: the alert as JSON. */
  alertState(node: string, entity: string): string {
    return `${this.base}/${node}/${entity}/state`;
  }

  command(node: string, entity: string): string {
    return `${this.base}/${node}/${entity}/set`;
  }

  /** The discovery node id carries the hub's id, so two hubs with equal device ids do not collide. */
  config(component: string, node: string, entity: string): string {
    return `${this.discoveryPrefix}/${component}/${this.hubId}_${node}/${entity}/config`;
  }
}
