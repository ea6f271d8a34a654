// What a Tasmota says about itself: `tele/<topic>/INFO1` after connecting (its module and firmware
// version; `{"Info1":{…}}` since 9.x, flat before) and, with SetOption19 0, the retained discovery
// message `tasmota/discovery/<MAC>/config` (device name `dn`, firmware `sw`, topic `t`, FullTopic
// `ft`), read by Home Assistant's Tasmota integration. Both are checked against their schemas here.
import { Ajv } from 'ajv';
import { Type, type Static } from 'typebox';
import type { DeviceMeta } from '../dialect.js';
import type { TopicOrder } from './topics.js';

const Firmware = Type.String({ minLength: 1, maxLength: 100 });

const Info1Fields = Type.Object({ Version: Firmware, Module: Type.Optional(Type.String()) });
const Info1Schema = Type.Union([Type.Object({ Info1: Info1Fields }), Info1Fields]);

const DiscoveryConfigSchema = Type.Object({
  t: Type.String({ minLength: 1 }),
  dn: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  sw: Type.Optional(Firmware),
  ft: Type.Optional(Type.String()),
});

const ajv = new Ajv();
const validInfo1 = ajv.compile<Static<typeof Info1Schema>>(Info1Schema);
const validDiscovery = ajv.compile<Static<typeof DiscoveryConfigSchema>>(DiscoveryConfigSchema);

/** The firmware an INFO1 names, or why it cannot be read. */
export function readInfo1(body: unknown): { firmware: string } | string {
  if (!validInfo1(body)) return `INFO1 must carry the firmware Version: ${ajv.errorsText(validInfo1.errors)}`;
  const fields = 'Info1' in body ? body.Info1 : body;
  return { firmware: fields.Version };
}

export type DiscoveryConfig = { forDevice: false } | { forDevice: true; meta: DeviceMeta; order: TopicOrder | null };

/** A discovery config: its name, firmware and topic order when it is the device's (`t` is its %topic%). */
export function readDiscoveryConfig(body: unknown, own: string): DiscoveryConfig | string {
  if (!validDiscovery(body)) return `discovery config must name the device topic t: ${ajv.errorsText(validDiscovery.errors)}`;
  if (body.t !== own) return { forDevice: false };
  const meta: DeviceMeta = {
    ...(body.dn !== undefined && { name: body.dn }),
    ...(body.sw !== undefined && { firmware: body.sw }),
  };
  return { forDevice: true, meta, order: orderOfFullTopic(body.ft) };
}

/** `%prefix%/%topic%/` or `%topic%/%prefix%/`; other FullTopics are not supported and leave the order as it is. */
function orderOfFullTopic(fullTopic: string | undefined): TopicOrder | null {
  if (fullTopic?.startsWith('%prefix%/%topic%')) return 'prefix-first';
  if (fullTopic?.startsWith('%topic%/%prefix%')) return 'topic-first';
  return null;
}
