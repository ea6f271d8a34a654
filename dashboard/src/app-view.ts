// The signed-in dashboard: the header with the stream state, and one page by address: the device
// list with the live charts (`#/`), one device's page (`#/devices/<id>`), a meter's energy view
// (`#/devices/<id>/energy`), or the alerts and their rules (`#/alerts`, `#/alerts/rules`, with a
// banner over every page while one fires). One
// EventSource feeds them all; commands go over one WebSocket. The list stays in the document while a
// device page is open (hidden), so its charts keep their data and catch up when shown again.
import type { Api } from './api.js';
import { ControlChannel } from './control-channel.js';
import { DevicePage } from './device-page.js';
import { DeviceList } from './device-list.js';
import { DeviceStore } from './device-store.js';
import { h, replaceChildren } from './dom.js';
import { LiveStream } from './live-stream.js';
import { LiveWall } from './live-wall.js';
import { StreamStatus } from './presence-view.js';
import { ALERTS_HREF, currentRoute, onRoute, type Route } from './router.js';
import { currentTheme, toggleTheme } from './theme.js';
import type { Role } from './types.js';
import { AddDevice } from './admin/add-device.js';
import { AlertsArea } from './alerts/alerts-area.js';
import { EnergyPage } from './energy/energy-page.js';

/** How long the first load waits for the stream before reading REST anyway. */
const STREAM_WAIT_MS = 5_000;

export interface AppDeps {
  api: Api;
  role: Role;
  confirm: (question: string, action: string) => Promise<boolean>;
  /** Null when the hub runs open: there is no token to sign out of. */
  signOut: (() => void) | null;
  /** The token stopped working: start over at the sign-in. */
  restart: () => void;
}

/** Fills `app` with the dashboard; returns the function that tears it down. */
export async function showDashboard(app: HTMLElement, deps: AppDeps): Promise<() => void> {
  const { api, role } = deps;
  document.title = 'telemetry-hub';
  const store = new DeviceStore();
  const control = new ControlChannel(() => api.controlUrl());
  const status = new StreamStatus(store);
  const list = new DeviceList(store);
  const wall = new LiveWall(api, store, (d) => list.matches(d));
  const adding = role === 'admin' ? new AddDevice(api, (id) => store.get(id)) : null;
  const alerts = new AlertsArea({ api, role, devices: () => store.list(), confirm: deps.confirm });
  const reload = async () => {
    store.replaceAll(await api.devices());
    wall.reload();
  };
  const stream = new LiveStream((lastEventId) => api.streamUrl(lastEventId), {
    reading: (e) => store.applyReading(e),
    presence: (e) => store.applyPresence(e),
    command: (e) => store.applyCommand(e),
    device: (e) => store.applyDevice(e),
    refusal: (e) => store.applyRefusal(e),
    alert: (e) => alerts.apply(e),
    removed: (e) => store.remove(e.id),
    reset: () => {
      void reload();
      alerts.reload();
    },
    state: (state) => {
      status.set(state);
      alerts.streamState(state);
    },
  });
  list.onShownChange(() => wall.sync());
  store.onChange((id) => {
    if (id === null) wall.sync();
  });

  const listPage = h('div', { class: 'list-page' }, adding?.element, list.element, wall.element);
  const pageHost = h('div', { class: 'page-host' });
  let page: { element: HTMLElement; start(): void; stop(): void } | null = null;
  let lastDevice: string | null = null;
  const show = (route: Route) => {
    page?.stop();
    page = null;
    pageHost.replaceChildren();
    listPage.hidden = route.page !== 'list';
    if (route.page === 'device') {
      lastDevice = route.id;
      page = new DevicePage(route.id, { api, store, control, role, confirm: deps.confirm });
      pageHost.append(page.element);
      page.start();
      document.title = `${route.id} · telemetry-hub`;
    } else if (route.page === 'alerts' || route.page === 'rules') {
      page = alerts.page(route.page);
      pageHost.append(page.element);
      page.start();
      document.title = `${route.page === 'alerts' ? 'Alerts' : 'Alert rules'} · telemetry-hub`;
    } else if (route.page === 'energy') {
      lastDevice = route.id;
      page = new EnergyPage(route.id, route.period, api);
      pageHost.append(page.element);
      page.start();
      document.title = `Energy · ${route.id} · telemetry-hub`;
    } else {
      document.title = 'telemetry-hub';
      const link = lastDevice && list.element.querySelector<HTMLElement>(`tr[data-device-id="${CSS.escape(lastDevice)}"] a`);
      if (link) link.focus();
      window.dispatchEvent(new Event('resize'));
    }
  };

  const themeButton = h(
    'button',
    {
      type: 'button',
      'aria-pressed': String(currentTheme() === 'dark'),
      onclick: () => themeButton.setAttribute('aria-pressed', String(toggleTheme() === 'dark')),
    },
    'Dark theme',
  );
  replaceChildren(
    app,
    h(
      'header',
      { class: 'top' },
      h('h1', {}, h('a', { href: '#/', class: 'brand' }, 'telemetry-hub')),
      h('a', { href: ALERTS_HREF, class: 'nav-alerts' }, 'Alerts'),
      h('span', { class: 'stream' }, 'Stream ', status.element),
      h('span', { class: 'role', id: 'role', 'data-role': role }, `role: ${role}`),
      themeButton,
      deps.signOut ? h('button', { type: 'button', onclick: deps.signOut }, 'Sign out') : null,
    ),
    h('main', { id: 'main', tabindex: -1 }, alerts.banner.element, listPage, pageHost),
  );

  // The stream opens first so nothing that happens while REST answers is missed.
  stream.start();
  alerts.start();
  const stopRoutes = onRoute(show);
  await Promise.race([status.live, new Promise((r) => setTimeout(r, STREAM_WAIT_MS))]);
  try {
    store.replaceAll(await api.devices());
  } catch (err) {
    if ((err as { status?: number }).status === 401) deps.restart();
    else list.element.append(h('p', { class: 'error', role: 'alert' }, `Devices could not be loaded: ${(err as Error).message}`));
  }
  list.start();
  if (currentRoute().page === 'list') wall.sync();
  return () => {
    stopRoutes();
    stream.stop();
    alerts.stop();
    control.stop();
    list.stop();
    page?.stop();
  };
}
