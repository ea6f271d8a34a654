// The filters a live client may set (devices, metrics, event types), shared by the SSE stream and
// long-poll. Parsed and checked at the edge; `select` then decides per event and, for readings
// under a metric filter, keeps only the wanted metrics (an event left with none is skipped).
import { HttpError } from '../http/errors.js';
import { LIVE_EVENT_TYPES, type LiveEvent, type LiveEventData, type LiveEventType, ReadingEventData } from './event-log.js';

export interface LiveFilter {
  devices: ReadonlySet<string> | null;
  metrics: ReadonlySet<string> | null;
  types: ReadonlySet<LiveEventType> | null;
}

export function parseFilter(query: { devices?: string; metrics?: string; types?: string }): LiveFilter {
  const types = list(query.types);
  for (const t of types ?? []) {
    if (!(LIVE_EVENT_TYPES as readonly string[]).includes(t)) {
      throw new HttpError(400, 'bad_request', `unknown event type "${t}"; known types are ${LIVE_EVENT_TYPES.join(', ')}`);
    }
  }
  const devices = list(query.devices);
  const metrics = list(query.metrics);
  return {
    devices: devices && new Set(devices),
    metrics: metrics && new Set(metrics),
    types: types && new Set(types as LiveEventType[]),
  };
}

/** The data to send for this event under the filter, or null when the client does not want it. */
export function select(filter: LiveFilter, event: LiveEvent): LiveEventData | null {
  if (filter.types && !filter.types.has(event.type)) return null;
  if (filter.devices && !filter.devices.has(event.deviceId)) return null;
  if (!filter.metrics || event.type !== 'reading') return event.data;
  const data = event.data as ReadingEventData;
  const all = data.readings;
  const readings = all.filter((r) => filter.metrics!.has(r.metric));
  if (readings.length === 0) return null;
  return readings.length === all.length ? data : new ReadingEventData(data.deviceId, readings);
}

function list(raw: string | undefined): string[] | null {
  if (raw === undefined) return null;
  const items = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  return items.length > 0 ? items : null;
}
