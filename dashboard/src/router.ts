// Hash routes, so every view has its own address that survives a reload and the back button
// without the server knowing about them (device ids may hold dots, which a path would turn into
// a file name): `#/` is the device list, `#/devices/<id>` one device's page,
// `#/devices/<id>/energy[/<period>]` its energy view (the id is encoded, so it holds no "/"),
// `#/alerts` the alerts and `#/alerts/rules` the alert rules.
export type Route =
  | { page: 'list' }
  | { page: 'device'; id: string }
  | { page: 'energy'; id: string; period: string | null }
  | { page: 'alerts' }
  | { page: 'rules' };

const DEVICE_PREFIX = '#/devices/';

export function deviceHref(id: string): string {
  return `${DEVICE_PREFIX}${encodeURIComponent(id)}`;
}

/** A meter's energy view; `period` is 2025-10-26, 2025-10 or 2025 (energy/periods.ts). */
export function energyHref(id: string, period?: string): string {
  return `${deviceHref(id)}/energy${period ? `/${period}` : ''}`;
}

const ENERGY_PATH = /^([^/]+)\/energy(?:\/([\d-]+))?$/;

export const LIST_HREF = '#/';
export const ALERTS_HREF = '#/alerts';
export const RULES_HREF = '#/alerts/rules';

export function currentRoute(): Route {
  const hash = location.hash;
  if (hash === ALERTS_HREF) return { page: 'alerts' };
  if (hash === RULES_HREF) return { page: 'rules' };
  if (hash.startsWith(DEVICE_PREFIX)) {
    try {
      const rest = hash.slice(DEVICE_PREFIX.length);
      const energy = ENERGY_PATH.exec(rest);
      if (energy) return { page: 'energy', id: decodeURIComponent(energy[1]), period: energy[2] ?? null };
      const id = decodeURIComponent(rest);
      if (id) return { page: 'device', id };
    } catch {
      // A mangled address falls back to the list.
    }
  }
  return { page: 'list' };
}

export function navigate(href: string): void {
  if (location.hash !== href) location.hash = href;
}

/** Calls `listener` with the route now and on every change; returns the unsubscribe. */
export function onRoute(listener: (route: Route) => void): () => void {
  const handler = () => listener(currentRoute());
  window.addEventListener('hashchange', handler);
  handler();
  return () => window.removeEventListener('hashchange', handler);
}
