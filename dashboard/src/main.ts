// The dashboard's entry: sign in with a token (unless the hub runs open), then the dashboard
// (app-view.ts). A token the hub stops accepting leads back to the sign-in.
import './styles.css';
import { Api, ApiError } from './api.js';
import { showDashboard } from './app-view.js';
import { createConfirm } from './confirm-dialog.js';
import { h, replaceChildren } from './dom.js';
import { clearToken, loginView, saveToken, storedToken } from './session.js';
import { applyTheme } from './theme.js';

applyTheme();
const app = document.getElementById('app')!;
const api = new Api(storedToken());
const confirm = createConfirm();
let teardown: (() => void) | null = null;

// The skip link moves focus without touching the address, which names the page shown.
document.querySelector('.skip-link')?.addEventListener('click', (e) => {
  e.preventDefault();
  document.getElementById('main')?.focus();
});

void boot();

async function boot(notice?: string): Promise<void> {
  teardown?.();
  teardown = null;
  let role: Awaited<ReturnType<Api['whoami']>>;
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
  const signOut = () => {
    clearToken();
    api.setToken(null);
    void boot();
  };
  teardown = await showDashboard(app, { api, role, confirm, signOut: storedToken() ? signOut : null, restart: () => void boot() });
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
