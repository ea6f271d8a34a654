// Shelly's topics, for one device whose MQTT prefix is its hub topic. Both generations publish
// under that prefix and never on the same sub-topics, so the topic alone says which one speaks:
//   Gen2+: <prefix>/online, <prefix>/status/<component:id>, <prefix>/events/rpc, and the answers
//          to the hub's RPC requests on <src>/rpc (src = telemetry-hub/<hub device id>)
//   Gen1:  <prefix>/online (prefix shellies/<id>), <prefix>/relay/0, …/relay/0/power,
//          …/emeter/<n>/<field>, …/temperature, and the broadcast shellies/announce
// The hub publishes to the device on <prefix>/rpc (Gen2), <prefix>/…/command and …/set (Gen1
// and Gen2's MQTT control), and shellies/command (Gen1's group topic).

/** Where a Shelly publishes its answers to the hub's RPC requests: the `src` of each request, then `/rpc`. */
export const ANSWER_ROOT = 'telemetry-hub';
/** Gen1 devices announce themselves here (and on <prefix>/announce) when asked or on connecting. */
export const ANNOUNCE_TOPIC = 'shellies/announce';
/** Gen1 devices all listen here for `announce` and `update`. */
export const GROUP_COMMAND_TOPIC = 'shellies/command';

export type ShellyTopic =
  | { side: 'device'; kind: 'online' | 'events' | 'answer' | 'announce' }
  | { side: 'device'; kind: 'status'; component: string }
  /** A Gen1 topic (or any other of the device's own) by its path under the prefix: ['relay', '0', 'power']. */
  | { side: 'device'; kind: 'path'; path: string[] }
  | { side: 'hub' }
  | { side: 'foreign' };

/** The `src` of the hub's RPC requests to one device; the device answers on `<src>/rpc`. */
export function answerSource(deviceId: string): string {
  return `${ANSWER_ROOT}/${deviceId}`;
}

/** What `topic` is to the device with this prefix and RPC answer topic. */
export function classify(prefix: string, answerTopic: string, topic: string): ShellyTopic {
  if (topic === ANNOUNCE_TOPIC) return { side: 'device', kind: 'announce' };
  if (topic === GROUP_COMMAND_TOPIC) return { side: 'hub' };
  if (topic === answerTopic) return { side: 'device', kind: 'answer' };
  if (!topic.startsWith(`${prefix}/`)) return { side: 'foreign' };
  const rest = topic.slice(prefix.length + 1);
  const path = rest.split('/');
  if (rest === 'rpc' || isCommandPath(path)) return { side: 'hub' };
  if (rest === 'online') return { side: 'device', kind: 'online' };
  if (rest === 'events/rpc') return { side: 'device', kind: 'events' };
  if (rest === 'announce') return { side: 'device', kind: 'announce' };
  if (path.length === 2 && path[0] === 'status' && path[1] !== '') return { side: 'device', kind: 'status', component: path[1] };
  return { side: 'device', kind: 'path', path };
}

/** Gen1's relay/0/command, roller/0/command/pos, light/0/set, command; Gen2's command and command/switch:0. */
function isCommandPath(path: string[]): boolean {
  return path.includes('command') || path[path.length - 1] === 'set';
}

/**
 * The filters a Shelly subscribes to: its own command topics, exactly (Gen2 `<prefix>/rpc`,
 * `<prefix>/command`, `<prefix>/command/<component:id>`; Gen1 `<prefix>/relay/<n>/command`,
 * `<prefix>/command`, `shellies/command`). No wildcards: a device has no business reading more.
 */
export function isCommandFilter(prefix: string, filter: string): boolean {
  if (filter.includes('+') || filter.includes('#')) return false;
  return classify(prefix, '', filter).side === 'hub';
}

/** The subscriptions that say the device now takes commands: Gen2's RPC topic and Gen1's relay command topics. */
export function takesCommands(prefix: string, filter: string): boolean {
  if (filter === `${prefix}/rpc`) return true;
  const relay = `${prefix}/relay/`;
  return filter.startsWith(relay) && /^\d+\/command$/.test(filter.slice(relay.length));
}

const RESERVED_SEGMENTS = new Set(['command', 'rpc', 'announce']);

/** Why `topic` cannot be a Shelly's MQTT prefix, or null. */
export function checkPrefix(topic: string): string | null {
  if (topic.length === 0 || topic.length > 200) return 'a Shelly MQTT prefix is 1 to 200 characters';
  if (/[+#\0]/.test(topic)) return 'a Shelly MQTT prefix holds no MQTT wildcards (+, #)';
  if (topic.startsWith('$')) return 'topics starting with $ belong to the broker';
  const segments = topic.split('/');
  if (segments.some((s) => s === '')) return 'a Shelly MQTT prefix has no empty levels (no leading, trailing or double /)';
  if (topic === 'shellies') return 'shellies alone is the root of every Gen1 device; a Gen1 prefix is shellies/<device id>';
  if (segments[0] === ANSWER_ROOT) return `${ANSWER_ROOT}/… is where Shelly devices answer the hub's requests`;
  if (segments[0] === 'devices') return 'devices/… is the hub dialect’s topic space';
  const reserved = segments.find((s) => RESERVED_SEGMENTS.has(s));
  if (reserved) return `a level named ${reserved} would make the device's own topics look like command topics`;
  return null;
}
