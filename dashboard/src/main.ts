// The dashboard's entry: sign in with a token (unless the hub runs open), then the device list,
// the live charts and, for a chosen device, its control and history. One EventSource feeds the
// whole page; commands go over one WebSocket.
import './styles.css';
import { Api, ApiError } from './api.js';
import { createConfirm } from './confirm-dialog.js';
import { ControlChannel } from './control-channel.js';
import { DeviceDetail } from './device-detail.js';
import { DeviceList } from './device-list.js';
import { DeviceStore } from './device-store.js';
import { h, replaceChildren } from './dom.js';
import { LiveStream, type StreamState } from './live-stream.js';
import { LiveWall } from './live-wall.js';
import { clearToken, loginView, saveToken, storedToken } from './session.js';
import { applyTheme, currentTheme, toggleTheme } from './theme.js';
import type { Role } from './types.js';

const STREAM_LABEL: Record<StreamState, string> = { connecting: 'connecting…', live: 'live', reconnecting: 'reconnecting…' };
/** How long the first load waits for the stream before reading REST anyway. */
const STREAM_WAIT_MS = 5_000;

applyTheme();
const app = document.getElementById('app')!;
const api = new Api(storedToken());
const confirm = createConfirm();
let teardown: (() => void) | null = null;

void boot();

async function boot(notice?: string): Promise<void> {
  teardown?.();
  teardown = null;
  let role: Role;
  try {
    role = await api.whoami();
  } catch (err) {
    if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
      const hadToken = storedToken() !== null;
      clearToken();
      api.setToken(null);
      showLogin(notice ?? (hadToken ? 'The hub no longer accepts the saved token; please sign in again.' : undefined));
    } else {
      showUnreachable(err as Error);
    }
    return;
  }
  await showDashboard(role);
}

function showLogin(notice?: string): void {
  document.title = 'Sign in · telemetry-hub';
  replaceChildren(
    app,
    loginView(async (token) => {
      if (!token) return 'Enter the access token.';
      api.setToken(token);
      try {
        await api.whoami();
      } catch (err) {
        api.setToken(null);
        if (err instanceof ApiError && err.status === 401) return 'The hub did not accept this token.';
        return `The hub could not be reached: ${(err as Error).message}`;
      }
      saveToken(token);
      void boot();
      return null;
    }, notice),
  );
}

function showUnreachable(err: Error): void {
  replaceChildren(
    app,
    h(
      'main',
      { id: 'main', class: 'login-page' },
      h(
        'div',
        { class: 'card', role: 'alert' },
        h('h1', {}, 'The hub cannot be reached'),
        h('p', {}, err.message),
        h('button', { type: 'button', class: 'primary', onclick: () => void boot() }, 'Try again'),
      ),
    ),
  );
}

async function showDashboard(role: Role): Promise<void> {
  document.title = 'telemetry-hub';
  const store = new DeviceStore();
  const control = new ControlChannel(() => api.controlUrl());
  const connection = h(
    'span',
    { class: 'connection', id: 'connection', role: 'status', 'data-state': 'connecting' },
    STREAM_LABEL.connecting,
  );
  let streamUp: () => void = () => {};
  const firstOpen = new Promise<void>((resolve) => {
    streamUp = resolve;
  });
  const list = new DeviceList(store, (id) => openDetail(id));
  const wall = new LiveWall(api, store, (d) => list.matches(d));
  const stream = new LiveStream((lastEventId) => api.streamUrl(lastEventId), {
    reading: (e) => store.applyReading(e),
    presence: (e) => store.applyPresence(e),
    command: (e) => store.applyCommand(e),
    device: (e) => store.applyDevice(e),
    refusal: (e) => store.applyRefusal(e),
    reset: () => void reload(),
    state: (state) => {
      connection.dataset.state = state;
      connection.textContent = STREAM_LABEL[state];
      if (state === 'live') streamUp();
    },
  });
  list.onShownChange(() => wall.sync());
  store.onChange((id) => {
    if (id === null) wall.sync();
  });

  const detailHost = h('div', { class: 'detail-host' });
  let detail: DeviceDetail | null = null;
  const closeDetail = () => {
    detail?.stop();
    detail = null;
    detailHost.replaceChildren();
  };
  function openDetail(id: string): void {
    const device = store.get(id);
    if (!device) return;
    closeDetail();
    detail = new DeviceDetail(device, { api, store, control, role, confirm }, () => {
      closeDetail();
      (document.querySelector(`tr[data-device-id="${CSS.escape(id)}"] button`) as HTMLElement | null)?.focus();
    });
    detailHost.append(detail.element);
    detail.start();
  }

  async function reload(): Promise<void> {
    store.replaceAll(await api.devices());
    wall.reload();
  }

  const themeButton = h(
    'button',
    {
      type: 'button',
      'aria-pressed': String(currentTheme() === 'dark'),
      onclick: () => {
        themeButton.setAttribute('aria-pressed', String(toggleTheme() === 'dark'));
      },
    },
    'Dark theme',
  );
  const signOut = h(
    'button',
    {
      type: 'button',
      onclick: () => {
        clearToken();
        api.setToken(null);
        void boot();
      },
    },
    'Sign out',
  );
  replaceChildren(
    app,
    h(
      'header',
      { class: 'top' },
      h('h1', {}, 'telemetry-hub'),
      h('span', { class: 'stream' }, 'Stream ', connection),
      h('span', { class: 'role', id: 'role', 'data-role': role }, `role: ${role}`),
      themeButton,
      storedToken() ? signOut : null,
    ),
    h('main', { id: 'main', tabindex: -1 }, list.element, detailHost, wall.element),
  );

  teardown = () => {
    stream.stop();
    control.stop();
    list.stop();
    closeDetail();
  };
  // The stream opens first so nothing that happens while REST answers is missed.
  stream.start();
  await Promise.race([firstOpen, new Promise((r) => setTimeout(r, STREAM_WAIT_MS))]);
  try {
    store.replaceAll(await api.devices());
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return boot();
    list.element.append(h('p', { class: 'error', role: 'alert' }, `Devices could not be loaded: ${(err as Error).message}`));
  }
  list.start();
  wall.sync();
}
