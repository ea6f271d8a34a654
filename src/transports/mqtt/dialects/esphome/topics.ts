// The topics of one ESPHome node on MQTT (esphome.io, "MQTT Client Component"). Its provisioned
// topic is its `topic_prefix` (by default the node name): `<prefix>/status` carries the birth
// message and last will, `<prefix>/<component>/<object_id>/state` the states, and
// `<prefix>/<component>/<object_id>/command` the commands to it. With discovery on, the node also
// publishes Home Assistant discovery configs on `homeassistant/<component>/<node>/<object_id>/config`.
// This file is the only place that splits or builds these topic strings.

export const DISCOVERY_PREFIX = 'homeassistant';

export type EsphomeTopic =
  | { kind: 'status' }
  | { kind: 'state'; component: string; objectId: string }
  | { kind: 'command' }
  | { kind: 'other' }
  | { kind: 'discovery'; component: string; objectId: string }
  | { kind: 'foreign' }
  | { kind: 'invalid'; reason: string };

/** Why `prefix` cannot be an ESPHome node's topic prefix, or null. */
export function checkPrefix(prefix: string): string | null {
  const levels = prefix.split('/');
  if (levels.some((level) => level === '')) return 'topic levels must not be empty';
  if (/[+#]/.test(prefix)) return 'the wildcards + and # are not allowed in a topic';
  if (levels[0].startsWith('$')) return 'topics starting with $ are reserved';
  if (levels[0] === DISCOVERY_PREFIX) return `${DISCOVERY_PREFIX}/ is where discovery configs go, not a node's prefix`;
  if (levels[0] === 'devices') return 'devices/ is the hub’s own topic space';
  return null;
}

/**
 * The node name in discovery topics. ESPHome puts its node name there, and the prefix is the node
 * name unless configured otherwise: a prefix of several levels is taken to end with it.
 */
export function nodeOf(prefix: string): string {
  return prefix.slice(prefix.lastIndexOf('/') + 1);
}

export function parseTopic(prefix: string, topic: string): EsphomeTopic {
  if (topic.startsWith(`${DISCOVERY_PREFIX}/`)) return parseDiscovery(prefix, topic);
  if (!topic.startsWith(`${prefix}/`)) return { kind: 'foreign' };
  const levels = topic.slice(prefix.length + 1).split('/');
  if (levels.some((level) => level === '')) return { kind: 'invalid', reason: 'empty topic level' };
  if (levels.length === 1 && levels[0] === 'status') return { kind: 'status' };
  if (isCommandLevel(levels[levels.length - 1])) return { kind: 'command' };
  if (levels.length === 3 && levels[2] === 'state') return { kind: 'state', component: levels[0], objectId: levels[1] };
  // `debug` (the log), `cover/<id>/position/state`, `climate/<id>/mode/state`, user topics.
  return { kind: 'other' };
}

function parseDiscovery(prefix: string, topic: string): EsphomeTopic {
  const levels = topic.split('/');
  if (levels.length !== 5 || levels[4] !== 'config' || levels[2] !== nodeOf(prefix)) return { kind: 'foreign' };
  return { kind: 'discovery', component: levels[1], objectId: levels[3] };
}

/** `command`, or a component's own command (`position/command`, climate's `target_temperature_command`). */
function isCommandLevel(level: string): boolean {
  return level === 'command' || level.endsWith('_command');
}

export function commandTopic(prefix: string, component: 'switch' | 'number', objectId: string): string {
  return `${prefix}/${component}/${objectId}/command`;
}

/** The node's subscriptions: its command topics (exact, as ESPHome subscribes) and Home Assistant's status. */
export function maySubscribe(prefix: string, filter: string): boolean {
  if (filter === `${DISCOVERY_PREFIX}/status`) return true;
  if (/[+#]/.test(filter)) return false;
  return parseTopic(prefix, filter).kind === 'command';
}
