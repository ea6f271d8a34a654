// The form that makes or changes an alert rule. Which fields show follows the chosen kind (see
// rule-kinds.ts); devices and metrics are offered from the hub's device list. The hub judges the
// rule: a refusal is shown beside the form with its reason in words and its code.
import { ApiError } from '../api.js';
import { h } from '../dom.js';
import type { Device } from '../types.js';
import type { AlertsApi, Rule, RuleBody } from './alerts-api.js';
import { DurationField } from './durations.js';
import { RULE_KIND_SPECS, kindSpec, type RuleField } from './rule-kinds.js';
import { ScopeField } from './scope-field.js';

/** What each refusal code means, ahead of the hub's own sentence. */
const REFUSALS: Record<string, string> = {
  unknown_metric: 'No device in the scope has this metric',
  unknown_device: 'A device in the scope is not known to the hub',
  bad_duration: 'The duration must be more than zero',
  bad_window: 'The window must be more than zero and at most a week',
  scope_too_large: 'The scope reaches more devices than one rule may watch',
  bad_rule: 'The fields do not fit this kind of rule',
  bad_request: 'The hub could not accept the rule as sent',
};

export class RuleForm {
  readonly element: HTMLFormElement;
  private readonly name = h('input', { id: 'rule-name', name: 'name', required: true, maxlength: 200, autocomplete: 'off' });
  private readonly kind = h(
    'select',
    { id: 'rule-kind', name: 'kind' },
    ...RULE_KIND_SPECS.map((s) => h('option', { value: s.kind }, s.label)),
  );
  private readonly kindHint = h('p', { id: 'rule-kind-hint', class: 'hint' });
  private readonly metric = h('input', {
    id: 'rule-metric',
    name: 'metric',
    list: 'rule-metrics',
    autocomplete: 'off',
    spellcheck: 'false',
  });
  private readonly metricLabel = h('label', { for: 'rule-metric' }, 'Metric');
  private readonly op = h(
    'select',
    { id: 'rule-op', name: 'op' },
    h('option', { value: 'above' }, 'above'),
    h('option', { value: 'below' }, 'below'),
  );
  private readonly value = h('input', { id: 'rule-value', name: 'value', type: 'number', step: 'any' });
  private readonly valueLabel = h('label', { for: 'rule-value' }, 'Value');
  private readonly window = new DurationField('windowMs', 'Window', 'The sliding window the change is measured over.');
  private readonly duration = new DurationField('durationMs', 'Duration', 'How long the condition must hold before the alert fires.');
  private readonly states = (['offline', 'stale'] as const).map((s) =>
    h('input', { type: 'checkbox', name: 'states', value: s, checked: true }),
  );
  private readonly scope: ScopeField;
  private readonly hookUrl = h('input', {
    id: 'rule-webhook',
    name: 'webhook',
    type: 'url',
    placeholder: 'https://…',
    autocomplete: 'off',
  });
  private readonly hookSecret = h('input', { id: 'rule-secret', name: 'secret', type: 'password', autocomplete: 'new-password' });
  private readonly error = h('div', { id: 'rule-error', class: 'error rule-error', role: 'alert' });
  private readonly save = h('button', { type: 'submit', class: 'primary' }, 'Save rule');
  private readonly sections: Record<RuleField, HTMLElement>;

  constructor(
    private readonly api: AlertsApi,
    devices: Device[],
    private readonly editing: Rule | null,
    private readonly done: (saved: Rule | null) => void,
  ) {
    this.scope = new ScopeField(devices);
    const field = (...children: Node[]) => h('div', { class: 'field' }, ...children);
    this.sections = {
      metric: field(this.metricLabel, this.metric, metricList(devices)),
      op: field(h('label', { for: 'rule-op' }, 'Above or below'), this.op),
      value: field(this.valueLabel, this.value),
      windowMs: this.window.element,
      durationMs: this.duration.element,
      states: h(
        'fieldset',
        { class: 'states' },
        h('legend', {}, 'States that count'),
        ...this.states.map((box) => h('label', { class: 'field-inline' }, box, box.value)),
      ),
    };
    const title = editing ? `Edit rule ${editing.name}` : 'New rule';
    this.element = h(
      'form',
      { class: 'rule-form admin-form card', 'aria-labelledby': 'rule-form-title', 'aria-describedby': 'rule-error' },
      h('h3', { id: 'rule-form-title' }, title),
      field(h('label', { for: 'rule-name' }, 'Name'), this.name),
      field(h('label', { for: 'rule-kind' }, 'Kind'), this.kind, this.kindHint),
      ...Object.values(this.sections),
      this.scope.element,
      h(
        'fieldset',
        { class: 'webhook' },
        h('legend', {}, 'Webhook (optional)'),
        field(h('label', { for: 'rule-webhook' }, 'Webhook URL'), this.hookUrl),
        field(h('label', { for: 'rule-secret' }, 'Webhook secret (signs each POST)'), this.hookSecret),
      ),
      this.error,
      h('div', { class: 'dialog-buttons' }, h('button', { type: 'button', onclick: () => this.done(null) }, 'Cancel'), this.save),
    );
    this.kind.addEventListener('change', () => this.showKind());
    this.element.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.submit();
    });
    this.fill(editing);
  }

  focus(): void {
    this.name.focus();
  }

  private fill(rule: Rule | null): void {
    this.duration.ms = rule?.durationMs ?? 60_000;
    this.window.ms = rule?.windowMs ?? 3_600_000;
    if (rule) {
      this.name.value = rule.name;
      this.kind.value = rule.kind;
      this.metric.value = rule.metric ?? '';
      if (rule.op) this.op.value = rule.op;
      if (rule.value !== undefined) this.value.value = String(rule.value);
      for (const box of this.states) box.checked = !rule.states || rule.states.includes(box.value as 'offline');
      this.hookUrl.value = rule.webhook?.url ?? '';
      this.hookSecret.value = rule.webhook?.secret ?? '';
    }
    this.scope.fill(rule?.devices);
    this.showKind();
  }

  private showKind(): void {
    const spec = kindSpec(this.kind.value) ?? RULE_KIND_SPECS[0];
    this.kindHint.textContent = spec.hint;
    for (const [name, section] of Object.entries(this.sections)) section.hidden = !spec.fields.includes(name as RuleField);
    this.metric.required = spec.metricRequired;
    this.metricLabel.textContent = spec.metricRequired ? 'Metric' : 'Metric (optional: any data)';
    this.value.required = spec.fields.includes('value');
    this.valueLabel.textContent = spec.valueLabel ?? 'Value';
    this.scope.setKind(spec.fields.includes('metric'));
  }

  /** The rule as the form says it, with only the fields its kind uses. */
  private body(): RuleBody {
    const spec = kindSpec(this.kind.value) ?? RULE_KIND_SPECS[0];
    const uses = (f: RuleField) => spec.fields.includes(f);
    const metric = this.metric.value.trim();
    const url = this.hookUrl.value.trim();
    const secret = this.hookSecret.value;
    return {
      name: this.name.value.trim(),
      kind: spec.kind,
      ...(uses('metric') && metric && { metric }),
      ...(uses('op') && { op: this.op.value as 'above' | 'below' }),
      ...(uses('value') && { value: Number(this.value.value) }),
      ...(uses('windowMs') && { windowMs: this.window.ms }),
      durationMs: this.duration.ms,
      ...(uses('states') && { states: this.states.filter((b) => b.checked).map((b) => b.value as 'offline' | 'stale') }),
      ...this.scope.value(),
      ...(url && { webhook: { url, ...(secret && { secret }) } }),
    };
  }

  private async submit(): Promise<void> {
    this.save.disabled = true;
    this.error.replaceChildren();
    try {
      const body = this.body();
      const saved = this.editing ? await this.api.replaceRule(this.editing.id, body) : await this.api.createRule(body);
      this.done(saved);
    } catch (err) {
      this.showRefusal(err as Error);
    } finally {
      this.save.disabled = false;
    }
  }

  private showRefusal(err: Error): void {
    const code = err instanceof ApiError ? err.code : null;
    const reason = (code && REFUSALS[code]) ?? 'The rule could not be saved';
    this.error.dataset.code = code ?? '';
    this.error.replaceChildren(
      h('p', {}, h('strong', {}, `${reason}. `), err.message, code ? ' ' : null, code ? h('code', {}, `(${code})`) : null),
    );
  }
}

/** The metrics known devices report, offered as suggestions for the metric field. */
function metricList(devices: Device[]): HTMLElement {
  const names = [...new Set(devices.flatMap((d) => d.metrics.map((m) => m.name)))].sort();
  return h('datalist', { id: 'rule-metrics' }, ...names.map((n) => h('option', { value: n })));
}
