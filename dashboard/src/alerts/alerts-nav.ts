// The links between the alerts page and the rules page, with the current one marked for
// assistive technology.
import { h } from '../dom.js';
import { ALERTS_HREF, RULES_HREF } from '../router.js';

export function alertsNav(current: 'alerts' | 'rules'): HTMLElement {
  const link = (page: 'alerts' | 'rules', href: string, text: string) =>
    h('a', { href, 'aria-current': page === current ? 'page' : null }, text);
  return h(
    'nav',
    { class: 'alerts-nav', 'aria-label': 'Alerts and rules' },
    link('alerts', ALERTS_HREF, 'Alerts'),
    link('rules', RULES_HREF, 'Rules'),
  );
}
