// The topics of one Homie device. Its provisioned topic is its base: `homie/<device-id>` (Homie 4
// and 3), `homie/5/<device-id>` (Homie 5) or a custom base such as `sknSensors/LocationName`.
// Under the base: device attributes (`$state`, `$name`, `$fw/version`, …), node attributes
// (`<node>/$properties`), property attributes (`<node>/<prop>/$datatype`), property values
// (`<node>/<prop>`) and the controller's commands (`<node>/<prop>/set`). This file is the only
// place that splits or builds these topic strings.

/** What a topic under the device's base is, as the device publishes it. */
export type HomieTopic =
  | { kind: 'device-attribute'; attribute: string }
  | { kind: 'node-attribute'; node: string; attribute: string }
  | { kind: 'property-attribute'; node: string; property: string; attribute: string }
  | { kind: 'value'; node: string; property: string }
  | { kind: 'set'; node: string; property: string }
  | { kind: 'invalid'; reason: string };

const HOMIE_5_ROOT = 'homie/5';

/** Why `base` cannot be a Homie device's base topic, or null. */
export function checkBase(base: string): string | null {
  const levels = base.split('/');
  if (levels.length < 2) return 'a Homie base topic has a root and the device id, such as homie/<device-id>';
  if (levels.some((level) => level === '')) return 'topic levels must not be empty';
  if (/[+#]/.test(base)) return 'the wildcards + and # are not allowed in a topic';
  if (levels.some((level) => level.startsWith('$'))) return 'levels starting with $ are Homie attributes, not a base topic';
  if (base === HOMIE_5_ROOT) return 'homie/5 is the Homie 5 root; the base is homie/5/<device-id>';
  if (levels[0] === 'devices') return 'devices/ is the hub’s own topic space';
  return null;
}

/** Whether the device speaks Homie 5 (its base lies under homie/5/). */
export function isHomie5(base: string): boolean {
  return base.startsWith(`${HOMIE_5_ROOT}/`);
}

/**
 * Where the controller broadcasts to every device: `homie/5/$broadcast` for Homie 5, else the
 * base's root (`homie/$broadcast`, or `sknSensors/$broadcast` for a custom base).
 */
export function broadcastRoot(base: string): string {
  if (isHomie5(base)) return `${HOMIE_5_ROOT}/$broadcast`;
  return `${base.slice(0, base.lastIndexOf('/'))}/$broadcast`;
}

/** The path of `topic` below the base, or null when the topic is not under it. */
export function below(base: string, topic: string): string | null {
  return topic.startsWith(`${base}/`) ? topic.slice(base.length + 1) : null;
}

/** Splits a path below the base (`ambient/temperature/$unit`) into what it is. */
export function parsePath(path: string): HomieTopic {
  const levels = path.split('/');
  if (levels.some((level) => level === '')) return { kind: 'invalid', reason: 'empty topic level' };
  const [first, second, third] = levels;
  // `$stats/interval`, `$fw/version`, `$implementation/ota/enabled`: all device attributes.
  if (first.startsWith('$')) return { kind: 'device-attribute', attribute: levels.join('/') };
  if (levels.length === 1) return { kind: 'invalid', reason: `a node (${first}) carries no value of its own` };
  if (second.startsWith('$')) return { kind: 'node-attribute', node: first, attribute: levels.slice(1).join('/') };
  if (levels.length === 2) return { kind: 'value', node: first, property: second };
  if (third.startsWith('$')) return { kind: 'property-attribute', node: first, property: second, attribute: levels.slice(2).join('/') };
  if (levels.length === 3 && third === 'set') return { kind: 'set', node: first, property: second };
  return { kind: 'invalid', reason: `no Homie topic has the form ${path}` };
}

export function setTopic(base: string, node: string, property: string): string {
  return `${base}/${node}/${property}/set`;
}

/**
 * The subscriptions a Homie device holds: the property command topics (`<base>/+/+/set`, or one
 * node's or property's), the broadcasts, and its implementation's own controller topics
 * (homie-esp8266 listens on `$implementation/config/set`, `$implementation/reset`, …).
 */
export function maySubscribe(base: string, filter: string): boolean {
  const broadcast = broadcastRoot(base);
  if (filter === `${broadcast}/#` || filter === `${broadcast}/+`) return true;
  const path = below(base, filter);
  if (path === null) return false;
  if (path.startsWith('$implementation/')) return !path.includes('#') || path.endsWith('/#');
  return isSetFilter(path);
}

/** `+/+/set`, `<node>/+/set`, `<node>/<prop>/set` and the like: a filter that delivers property commands. */
export function isSetFilter(path: string): boolean {
  const levels = path.split('/');
  if (levels.length !== 3 || levels[2] !== 'set') return false;
  const [node, property] = levels;
  const id = (level: string) => level === '+' || /^[A-Za-z0-9_-]+$/.test(level);
  return id(node) && id(property);
}
