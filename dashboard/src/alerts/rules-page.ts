// The rules page (`#/alerts/rules`): every alert rule with its condition, scope and webhook.
// Operators make, change and remove rules here (the form opens above the list); viewers read.
import { h, replaceChildren } from '../dom.js';
import type { Device } from '../types.js';
import type { AlertStore } from './alert-store.js';
import type { AlertsApi, Rule } from './alerts-api.js';
import { alertsNav } from './alerts-nav.js';
import { RuleForm } from './rule-form.js';
import { kindSpec, ruleSummary, scopeText } from './rule-kinds.js';

export interface RulesPageDeps {
  store: AlertStore;
  api: AlertsApi;
  devices: () => Device[];
  canEdit: boolean;
  confirm: (question: string, action: string) => Promise<boolean>;
}

export class RulesPage {
  readonly element: HTMLElement;
  private readonly formHost = h('div', { class: 'rule-form-host' });
  private readonly list = h('div', { class: 'rules-list' });
  private readonly status = h('p', { class: 'hint', role: 'status' });
  private form: RuleForm | null = null;
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly deps: RulesPageDeps) {
    const create = deps.canEdit ? h('button', { type: 'button', class: 'primary', onclick: () => this.openForm(null) }, 'New rule') : null;
    this.element = h(
      'section',
      { class: 'rules-page card', 'aria-labelledby': 'rules-title' },
      alertsNav('rules'),
      h('div', { class: 'detail-head' }, h('h2', { id: 'rules-title', tabindex: -1 }, 'Alert rules'), create),
      deps.canEdit ? null : h('p', { class: 'hint' }, 'Your role may read the rules; operators change them.'),
      this.status,
      this.formHost,
      this.list,
    );
  }

  start(): void {
    this.unsubscribe = this.deps.store.onChange(() => this.render());
    this.render();
    (this.element.querySelector('#rules-title') as HTMLElement).focus();
  }

  stop(): void {
    this.unsubscribe?.();
  }

  private openForm(rule: Rule | null): void {
    this.form = new RuleForm(this.deps.api, this.deps.devices(), rule, (saved) => void this.closeForm(saved, rule));
    replaceChildren(this.formHost, this.form.element);
    this.form.focus();
  }

  private async closeForm(saved: Rule | null, edited: Rule | null): Promise<void> {
    this.form = null;
    this.formHost.replaceChildren();
    if (saved) {
      this.status.textContent = `Rule "${saved.name}" ${edited ? 'saved' : 'created'}.`;
      await this.deps.store.reloadRules();
    }
    this.element.querySelector<HTMLElement>('#rules-title')?.focus();
  }

  private async remove(rule: Rule): Promise<void> {
    if (!(await this.deps.confirm(`Remove the rule "${rule.name}"? Its active alerts resolve.`, 'Remove rule'))) return;
    try {
      await this.deps.api.removeRule(rule.id);
      this.status.textContent = `Rule "${rule.name}" removed.`;
    } catch (err) {
      this.status.textContent = `The rule could not be removed: ${(err as Error).message}`;
    }
    await this.deps.store.reloadRules();
  }

  private render(): void {
    const rules = this.deps.store.ruleList();
    const empty = !this.deps.store.loaded ? 'Loading…' : rules.length === 0 ? 'No rules yet.' : null;
    if (empty) {
      replaceChildren(this.list, h('p', { class: 'hint' }, empty));
      return;
    }
    const headings = ['Name', 'Kind', 'Condition', 'Scope', 'Webhook', ...(this.deps.canEdit ? ['Actions'] : [])];
    replaceChildren(
      this.list,
      h(
        'div',
        { class: 'table-scroll' },
        h(
          'table',
          { class: 'rule-table', 'aria-labelledby': 'rules-title' },
          h('thead', {}, h('tr', {}, ...headings.map((c) => h('th', { scope: 'col' }, c)))),
          h('tbody', {}, ...rules.map((r) => this.row(r))),
        ),
      ),
    );
  }

  private row(rule: Rule): HTMLElement {
    return h(
      'tr',
      { 'data-rule-id': rule.id },
      h('th', { scope: 'row' }, rule.name),
      h('td', {}, kindSpec(rule.kind)?.label ?? rule.kind),
      h('td', {}, ruleSummary(rule)),
      h('td', {}, scopeText(rule)),
      h('td', { class: 'rule-webhook' }, rule.webhook ? `${rule.webhook.url}${rule.webhook.secret ? ' (signed)' : ''}` : 'none'),
      this.deps.canEdit
        ? h(
            'td',
            { class: 'rule-actions' },
            h('button', { type: 'button', 'aria-label': `Edit ${rule.name}`, onclick: () => this.openForm(rule) }, 'Edit'),
            h(
              'button',
              { type: 'button', class: 'danger', 'aria-label': `Delete ${rule.name}`, onclick: () => void this.remove(rule) },
              'Delete',
            ),
          )
        : null,
    );
  }
}
