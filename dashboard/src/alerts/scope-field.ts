// Which devices a rule watches: all devices with its metric (or all devices, for rules without
// one), one device, or a list, picked from the devices the hub knows.
import { h } from '../dom.js';
import type { Device } from '../types.js';

type ScopeChoice = 'all' | 'one' | 'list';

export class ScopeField {
  readonly element: HTMLFieldSetElement;
  private readonly choices: Record<ScopeChoice, HTMLInputElement>;
  private readonly allLabel = h('span', {}, 'All devices with the metric');
  private readonly one: HTMLSelectElement;
  private readonly oneField: HTMLElement;
  private readonly list: HTMLInputElement[];
  private readonly listField: HTMLElement;

  constructor(devices: Device[]) {
    const sorted = [...devices].sort((a, b) => a.id.localeCompare(b.id));
    const radio = (value: ScopeChoice) => h('input', { type: 'radio', name: 'scope', value });
    this.choices = { all: radio('all'), one: radio('one'), list: radio('list') };
    this.one = h(
      'select',
      { id: 'rule-device', name: 'device' },
      ...sorted.map((d) => h('option', { value: d.id }, d.name && d.name !== d.id ? `${d.name} (${d.id})` : d.id)),
    );
    this.oneField = h('div', { class: 'field' }, h('label', { for: 'rule-device' }, 'Device'), this.one);
    this.list = sorted.map((d) => h('input', { type: 'checkbox', name: 'devices', value: d.id }));
    this.listField = h(
      'fieldset',
      { class: 'device-picks' },
      h('legend', {}, 'Devices'),
      ...this.list.map((box) => h('label', { class: 'field-inline' }, box, box.value)),
    );
    this.element = h(
      'fieldset',
      { class: 'scope' },
      h('legend', {}, 'Scope'),
      h('label', { class: 'field-inline' }, this.choices.all, this.allLabel),
      h('label', { class: 'field-inline' }, this.choices.one, 'One device'),
      h('label', { class: 'field-inline' }, this.choices.list, 'A list of devices'),
      this.oneField,
      this.listField,
    );
    for (const choice of Object.values(this.choices)) choice.addEventListener('change', () => this.showChoice());
  }

  fill(devices: string[] | undefined): void {
    const choice: ScopeChoice = !devices ? 'all' : devices.length === 1 ? 'one' : 'list';
    this.choices[choice].checked = true;
    if (choice === 'one') this.one.value = devices![0];
    for (const box of this.list) box.checked = choice === 'list' && devices!.includes(box.value);
    this.showChoice();
  }

  /** Rules with a metric watch every device that has it; the others every device. */
  setKind(hasMetric: boolean): void {
    this.allLabel.textContent = hasMetric ? 'All devices with the metric' : 'All devices';
  }

  /** The rule's `devices`, absent for all devices. */
  value(): { devices?: string[] } {
    if (this.choices.one.checked) return { devices: [this.one.value] };
    if (this.choices.list.checked) return { devices: this.list.filter((b) => b.checked).map((b) => b.value) };
    return {};
  }

  private showChoice(): void {
    this.oneField.hidden = !this.choices.one.checked;
    this.listField.hidden = !this.choices.list.checked;
  }
}
