// "Add device" for admins, above the device list. An MQTT device gets a key from the hub, shown
// once with its connection settings; an id that has a key already is only re-keyed when the
// admin says so. A serial device needs no key: the form writes its devices-file entry instead.
import type { Api } from '../api.js';
import { h } from '../dom.js';
import { checkDeviceId } from '../../../src/core/model.js';
import { AdminApi, isExists, type DeviceKey } from './admin-api.js';
import { buttonRow, openModal, type Modal } from './dialog.js';
import { copyField, keyView } from './key-view.js';

const SERIAL_KINDS = ['line', 'firmata', 'dsmr'] as const;

export class AddDevice {
  readonly element: HTMLElement;
  private readonly admin: AdminApi;

  constructor(api: Api) {
    this.admin = new AdminApi(api);
    this.element = h(
      'div',
      { class: 'admin-bar' },
      h('button', { type: 'button', class: 'primary', id: 'add-device', onclick: () => this.open() }, 'Add device'),
    );
  }

  private open(): void {
    const id = h('input', { id: 'new-device-id', name: 'id', required: true, maxlength: 64, autocomplete: 'off', spellcheck: 'false' });
    const name = h('input', { id: 'new-device-name', name: 'name', maxlength: 200, autocomplete: 'off' });
    const kind = h('select', { id: 'new-device-kind', name: 'kind' }, h('option', { value: 'mqtt' }, 'MQTT (gets a key)'));
    for (const k of SERIAL_KINDS) kind.append(h('option', { value: k }, `serial: ${k} (devices file)`));
    const port = h('input', { id: 'new-device-port', name: 'port', value: '/dev/ttyUSB0', autocomplete: 'off', spellcheck: 'false' });
    const portRow = h('div', { class: 'field', hidden: true }, h('label', { for: 'new-device-port' }, 'Serial port'), port);
    const replace = h('input', { id: 'new-device-replace', type: 'checkbox', name: 'replace' });
    const replaceRow = h(
      'div',
      { class: 'field-inline', hidden: true },
      replace,
      h('label', { for: 'new-device-replace' }, 'Replace its key (the old key stops working)'),
    );
    const error = h('p', { class: 'error', role: 'alert', id: 'new-device-error' });
    const submit = h('button', { type: 'submit', class: 'primary' }, 'Add');
    const cancel = h('button', { type: 'button', onclick: () => modal.close() }, 'Cancel');
    kind.addEventListener('change', () => {
      portRow.hidden = kind.value === 'mqtt';
      submit.textContent = kind.value === 'mqtt' ? 'Add' : 'Show the entry';
    });
    const form = h(
      'form',
      { class: 'admin-form', 'aria-describedby': 'new-device-error' },
      h('div', { class: 'field' }, h('label', { for: 'new-device-id' }, 'Device id'), id),
      h('p', { class: 'hint' }, 'Letters, digits, ".", "_" and "-"; for MQTT also the username.'),
      h('div', { class: 'field' }, h('label', { for: 'new-device-name' }, 'Name (optional)'), name),
      h('div', { class: 'field' }, h('label', { for: 'new-device-kind' }, 'Connects over'), kind),
      portRow,
      replaceRow,
      error,
      buttonRow(cancel, submit),
    );
    const modal = openModal('Add a device', 'add-device', form);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      error.textContent = '';
      const deviceId = id.value.trim();
      const problem = checkDeviceId(deviceId);
      if (problem) {
        error.textContent = `The ${problem}.`;
        id.focus();
        return;
      }
      if (kind.value !== 'mqtt') {
        this.showSerialEntry(modal, deviceId, name.value.trim(), kind.value, port.value.trim());
        return;
      }
      submit.disabled = true;
      try {
        const created = await this.admin.add(deviceId, name.value.trim() || undefined, replace.checked);
        this.showKey(modal, created);
      } catch (err) {
        if (isExists(err)) {
          replaceRow.hidden = false;
          error.textContent = `${deviceId} has a key already. Tick "Replace its key" to make a new one, or choose another id.`;
          replace.focus();
        } else error.textContent = `The device could not be added: ${(err as Error).message}`;
      } finally {
        submit.disabled = false;
      }
    });
  }

  private showKey(modal: Modal, created: DeviceKey): void {
    const done = h('button', { type: 'button', class: 'primary', onclick: () => modal.close() }, 'Done');
    modal.body.replaceChildren(keyView(created), buttonRow(done));
    modal.body.querySelector<HTMLElement>('button.copy')?.focus();
  }

  private showSerialEntry(modal: Modal, id: string, name: string, kind: string, port: string): void {
    const lines = [
      `  - transport: ${kind}`,
      `    id: ${id}`,
      ...(name ? [`    name: ${JSON.stringify(name)}`] : []),
      `    port: ${port || '/dev/ttyUSB0'}`,
    ];
    const entry = `devices:\n${lines.join('\n')}\n`;
    const done = h('button', { type: 'button', class: 'primary', onclick: () => modal.close() }, 'Done');
    modal.body.replaceChildren(
      h(
        'p',
        {},
        'Serial devices are listed in the devices file (',
        h('code', {}, 'devices.yml'),
        " in the hub's data directory unless HUB_DEVICES_FILE names another). Add this entry and restart the hub:",
      ),
      copyField(`entry-${id}`, 'Devices file entry', entry),
      h(
        'p',
        { class: 'hint' },
        'A firmata entry also lists its sensors and actuators; a dsmr meter and a line device may leave the id out (the meter and the hello name them).',
      ),
      buttonRow(done),
    );
  }
}
