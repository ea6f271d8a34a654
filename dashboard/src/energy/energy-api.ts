// The two REST questions the energy view asks: how much each counter rose per window
// (agg=increase over calendar windows), and the prices set on the hub (HUB_ENERGY_PRICES).
import { ApiError, type Api } from '../api.js';
import type { AggregatePoint } from '../types.js';
import type { PeriodWindows } from './periods.js';

export interface Prices {
  currency: string;
  prices: Record<string, number>;
}

export async function increases(api: Api, deviceId: string, metric: string, w: PeriodWindows): Promise<AggregatePoint[]> {
  const q = new URLSearchParams({
    metric,
    from: String(w.bounds[0]),
    to: String(w.bounds[w.bounds.length - 1]),
    every: w.every,
    agg: 'increase',
  });
  if (w.tz) q.set('tz', w.tz);
  const body = await api.get<{ points: AggregatePoint[] }>(`/api/devices/${encodeURIComponent(deviceId)}/readings?${q}`);
  return body.points;
}

/** The hub's prices; none from a hub that has no prices route. */
export async function prices(api: Api): Promise<Prices> {
  try {
    return await api.get<Prices>('/api/energy/prices');
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return { currency: 'EUR', prices: {} };
    throw err;
  }
}

/** Each bar's value from the hub's points: a point belongs to the last bar starting at or before it. */
export function perBar(points: readonly AggregatePoint[], bounds: readonly number[]): Array<number | null> {
  const out: Array<number | null> = new Array(bounds.length - 1).fill(null);
  for (const p of points) {
    let i = bounds.length - 2;
    while (i > 0 && bounds[i] > p.ts) i--;
    if (p.ts >= bounds[0] && p.ts < bounds[bounds.length - 1]) out[i] = (out[i] ?? 0) + p.value;
  }
  return out;
}
