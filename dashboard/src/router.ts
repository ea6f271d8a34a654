// Hash routes, so every view has its own address that survives a reload and the back button
// without the server knowing about them (device ids may hold dots, which a path would turn into
// a file name): `#/` is the device list, `#/devices/<id>` one device's page, `#/alerts` the
// alerts and `#/alerts/rules` the alert rules.
export type Route = { page: 'list' } | { page: 'device'; id: string } | { page: 'alerts' } | { page: 'rules' };

const DEVICE_PREFIX = '#/devices/';

export function deviceHref(id: string): string {
  return `${DEVICE_PREFIX}${encodeURIComponent(id)}`;
}

export const LIST_HREF = '#/';
export const ALERTS_HREF = '#/alerts';
export const RULES_HREF = '#/alerts/rules';

export function currentRoute(): Route {
  const hash = location.hash;
  if (hash === ALERTS_HREF) return { page: 'alerts' };
  if (hash === RULES_HREF) return { page: 'rules' };
  if (hash.startsWith(DEVICE_PREFIX)) {
    try {
      const id = decodeURIComponent(hash.slice(DEVICE_PREFIX.length));
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
