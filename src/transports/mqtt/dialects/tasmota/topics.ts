// Tasmota's topics. A device is known by its %topic% (Tasmota's Topic setting, `tasmota_49A3BC` by
// default) and builds every topic from its FullTopic: `%prefix%/%topic%/` by default, or
// `%topic%/%prefix%/`, the order Home Assistant's Tasmota integration expects. The prefixes are
// cmnd (to the device), stat (its answers) and tele (its telemetry). Besides its own topics it
// subscribes to its group topic (`tasmotas`) and to a fallback topic built from its MQTT client id
// (always `cmnd/<client>_fb/`), and announces itself on `tasmota/discovery/<MAC>/config|sensors`.
// This file is the only place that builds or splits these topic strings.

export const PREFIXES = ['cmnd', 'stat', 'tele'] as const;
export type Prefix = (typeof PREFIXES)[number];
/** Which comes first in the device's FullTopic. */
export type TopicOrder = 'prefix-first' | 'topic-first';

export const DEFAULT_ORDER: TopicOrder = 'prefix-first';
export const GROUP_TOPIC = 'tasmotas';
export const DISCOVERY_ROOT = 'tasmota/discovery';
const MAX_TOPIC_LENGTH = 100;

const isPrefix = (part: string | undefined): part is Prefix => (PREFIXES as readonly string[]).includes(part ?? '');

export type ParsedTopic =
  /** One of the device's own topics: `tele/<topic>/SENSOR` or `<topic>/tele/SENSOR`. */
  | { kind: 'own'; order: TopicOrder; prefix: Prefix; subtopic: string }
  /** Tasmota's own discovery, `tasmota/discovery/<MAC>/config` or `/sensors`. */
  | { kind: 'discovery'; part: 'config' | 'sensors' }
  | { kind: 'group'; prefix: Prefix }
  | { kind: 'foreign' }
  | { kind: 'bad'; reason: string };

/** Why `topic` cannot be a Tasmota device's %topic%, or null. */
export function checkTopic(topic: string): string | null {
  if (topic.length === 0 || topic.length > MAX_TOPIC_LENGTH) return `must be 1 to ${MAX_TOPIC_LENGTH} characters`;
  if (/[/+#%\s]/.test(topic)) return 'must be a single topic level: no "/", "+", "#", "%" or spaces';
  // Either order must split unambiguously, and the group topic addresses every Tasmota at once.
  if (isPrefix(topic)) return `cannot be a Tasmota prefix (${PREFIXES.join(', ')})`;
  if (topic === GROUP_TOPIC) return `cannot be the group topic ${GROUP_TOPIC}`;
  return null;
}

/** Splits a topic a device published, from the point of view of the device whose %topic% is `own`. */
export function parseTopic(topic: string, own: string): ParsedTopic {
  const parts = topic.split('/');
  if (topic.startsWith(`${DISCOVERY_ROOT}/`)) return parseDiscovery(parts);
  const [first, second] = parts;
  const subtopic = parts.slice(2).join('/');
  let order: TopicOrder;
  let prefix: Prefix;
  let device: string;
  if (isPrefix(first)) [order, prefix, device] = ['prefix-first', first, second];
  else if (isPrefix(second)) [order, prefix, device] = ['topic-first', second, first];
  else return { kind: 'bad', reason: `not a Tasmota topic: ${topic} has no cmnd, stat or tele in its first two levels` };
  if (parts.length < 3 || subtopic === '' || parts.includes(''))
    return { kind: 'bad', reason: `not a Tasmota topic: ${topic} lacks a command or message name after the prefix and topic` };
  if (device === own) return { kind: 'own', order, prefix, subtopic };
  if (device === GROUP_TOPIC) return { kind: 'group', prefix };
  return { kind: 'foreign' };
}

function parseDiscovery(parts: string[]): ParsedTopic {
  const [, , mac, part, ...rest] = parts;
  if (rest.length > 0 || !/^[0-9A-Fa-f]{12}$/.test(mac ?? '') || (part !== 'config' && part !== 'sensors'))
    return { kind: 'bad', reason: `Tasmota discovery topics are ${DISCOVERY_ROOT}/<MAC>/config and /sensors` };
  return { kind: 'discovery', part };
}

/** `cmnd/<topic>/POWER2` or `<topic>/cmnd/POWER2`, as the device's FullTopic orders them. */
export function commandTopic(order: TopicOrder, own: string, command: string): string {
  return order === 'prefix-first' ? `cmnd/${own}/${command}` : `${own}/cmnd/${command}`;
}

/**
 * What a Tasmota subscribes to on connecting: its own command topic, its group topic (in the
 * FullTopic's order, or fixed `cmnd/<group>/` with SetOption75) and its fallback topic. The
 * order of the own subscription is returned so the session sends commands the same way.
 */
export function parseSubscription(filter: string, own: string): { kind: 'own'; order: TopicOrder } | { kind: 'other' } | null {
  if (filter === `cmnd/${own}/#`) return { kind: 'own', order: 'prefix-first' };
  if (filter === `${own}/cmnd/#`) return { kind: 'own', order: 'topic-first' };
  if (filter === `cmnd/${GROUP_TOPIC}/#` || filter === `${GROUP_TOPIC}/cmnd/#`) return { kind: 'other' };
  // The fallback topic is named after the MQTT client id (DVES_XXXXXX by default), which the
  // session does not know; the hub never publishes there, so any single level is harmless.
  if (/^cmnd\/[^/+#]+_fb\/#$/.test(filter)) return { kind: 'other' };
  return null;
}

export function describeTopics(own: string): string {
  return `tele/${own}/… and stat/${own}/… (or ${own}/tele/… with FullTopic %topic%/%prefix%/), and ${DISCOVERY_ROOT}/<MAC>/…`;
}
