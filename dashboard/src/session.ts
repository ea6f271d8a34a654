// The token session: a token from the login form (or a `?token=` link, removed from the address
// bar at once) is kept in localStorage until the user signs out or the hub refuses it.
import { h } from './dom.js';

const KEY = 'telemetry-hub.token';

export function storedToken(): string | null {
  const url = new URL(location.href);
  const fromLink = url.searchParams.get('token');
  if (fromLink) {
    saveToken(fromLink);
    url.searchParams.delete('token');
    history.replaceState(null, '', url.pathname + url.search + url.hash);
  }
  return localStorage.getItem(KEY);
}

export function saveToken(token: string): void {
  localStorage.setItem(KEY, token);
}

export function clearToken(): void {
  localStorage.removeItem(KEY);
}

/** The sign-in form; `submit` resolves with an error to show, or null when signed in. */
export function loginView(submit: (token: string) => Promise<string | null>, notice?: string): HTMLElement {
  const input = h('input', {
    id: 'token',
    name: 'token',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
    'aria-describedby': 'token-help login-error',
    spellcheck: 'false',
  });
  const error = h('p', { id: 'login-error', class: 'error', role: 'alert' }, notice ?? '');
  const button = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const form = h(
    'form',
    { class: 'login card', 'aria-labelledby': 'login-title' },
    h('h1', { id: 'login-title' }, 'telemetry-hub'),
    h('label', { for: 'token' }, 'Access token'),
    input,
    h(
      'p',
      { id: 'token-help', class: 'hint' },
      'The hub prints an admin token on its first start and keeps it in the file admin-token in its data directory.',
    ),
    error,
    button,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    button.disabled = true;
    error.textContent = '';
    const problem = await submit(input.value.trim());
    button.disabled = false;
    if (problem) {
      error.textContent = problem;
      input.focus();
    }
  });
  queueMicrotask(() => input.focus());
  return h('main', { id: 'main', class: 'login-page' }, form);
}
