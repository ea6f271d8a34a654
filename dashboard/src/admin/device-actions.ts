// A device's lifecycle on its page, for admins: rename it, give it a new key (the old one stops
// working; the new one is shown once) or remove it, keeping or purging its history, after a
// confirmation that says which.
import type { Api } from '../api.js';
import type { DeviceStore } from '../device-store.js';
import { h } from '../dom.js';
import { LIST_HREF, navigate } from '../router.js';
import type { Device } from '../types.js';
import { AdminApi } from './admin-api.js';
import { buttonRow, openModal } from './dialog.js';
import { keyView } from './key-view.js';

export class DeviceActions {
  readonly element: HTMLElement;
  private readonly admin: AdminApi;

  constructor(
    private readonly device: Device,
    api: Api,
    private readonly store: DeviceStore,
    private readonly confirm: (question: string, action: string) => Promise<boolean>,
  ) {
    this.admin = new AdminApi(api);
    const isMqtt = device.transport === 'mqtt';
    this.element = h(
      'div',
      { class: 'device-actions', role: 'group', 'aria-label': 'Manage device' },
      h('button', { type: 'button', onclick: () => this.rename() }, 'Rename'),
      isMqtt ? h('button', { type: 'button', onclick: () => void this.rekey() }, 'New key') : null,
      h('button', { type: 'button', class: 'danger', onclick: () => this.remove() }, 'Remove'),
    );
  }

  start(): void {}

  stop(): void {}

  private current(): Device {
    return this.store.get(this.device.id) ?? this.device;
  }

  private rename(): void {
    const input = h('input', { id: 'rename-name', required: true, maxlength: 200, value: this.current().name, autocomplete: 'off' });
    const error = h('p', { class: 'error', role: 'alert' });
    const form = h(
      'form',
      { class: 'admin-form' },
      h('div', { class: 'field' }, h('label', { for: 'rename-name' }, 'Name'), input),
      error,
      buttonRow(
        h('button', { type: 'button', onclick: () => modal.close() }, 'Cancel'),
        h('button', { type: 'submit', class: 'primary' }, 'Save'),
      ),
    );
    const modal = openModal(`Rename ${this.device.id}`, 'rename-device', form);
    input.select();
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const name = input.value.trim();
      if (!name) return;
      try {
        this.store.applyDevice({ ...this.current(), ...(await this.admin.rename(this.device.id, name)), latest: this.current().latest });
        modal.close();
      } catch (err) {
        error.textContent = `The device could not be renamed: ${(err as Error).message}`;
      }
    });
  }

  private async rekey(): Promise<void> {
    const id = this.device.id;
    if (
      !(await this.confirm(
        `Make a new key for ${id}? Its current key stops working at once; the device needs the new one.`,
        'Make a new key',
      ))
    )
      return;
    try {
      const created = await this.admin.rekey(id);
      const modal = openModal(
        `New key for ${id}`,
        'device-key',
        // The page knows the device's dialect but not its topic, which a new key keeps.
        keyView(created, { dialect: this.current().dialect ?? 'hub', topic: null }),
        buttonRow(h('button', { type: 'button', class: 'primary', onclick: () => modal.close() }, 'Done')),
      );
    } catch (err) {
      openModal(
        'No new key',
        'admin-error',
        h('p', { class: 'error' }, `The key could not be made: ${(err as Error).message}`),
        buttonRow(
          h('button', { type: 'button', onclick: () => document.querySelector<HTMLDialogElement>('dialog.admin-error')?.close() }, 'Close'),
        ),
      );
    }
  }

  private remove(): void {
    const id = this.device.id;
    const keep = h('input', { id: 'remove-keep', type: 'radio', name: 'history', value: 'keep', checked: true });
    const purge = h('input', { id: 'remove-purge', type: 'radio', name: 'history', value: 'purge' });
    const error = h('p', { class: 'error', role: 'alert' });
    const removeButton = h('button', { type: 'submit', class: 'danger' }, `Remove ${id}`);
    const form = h(
      'form',
      { class: 'admin-form' },
      h('p', {}, `${this.current().name} (${id}) leaves the device list; an MQTT device's key stops working.`),
      h(
        'fieldset',
        {},
        h('legend', {}, 'Its readings, presence history and commands'),
        h('div', { class: 'field-inline' }, keep, h('label', { for: 'remove-keep' }, 'Keep them (queries by id still answer)')),
        h('div', { class: 'field-inline' }, purge, h('label', { for: 'remove-purge' }, 'Delete them for good')),
      ),
      error,
      buttonRow(h('button', { type: 'button', onclick: () => modal.close() }, 'Cancel'), removeButton),
    );
    const modal = openModal(`Remove ${id}?`, 'remove-device', form);
    form.querySelector<HTMLElement>('button')?.focus();
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      removeButton.disabled = true;
      try {
        await this.admin.remove(id, purge.checked);
        modal.close();
        this.store.remove(id);
        navigate(LIST_HREF);
      } catch (err) {
        error.textContent = `The device could not be removed: ${(err as Error).message}`;
        removeButton.disabled = false;
      }
    });
  }
}
