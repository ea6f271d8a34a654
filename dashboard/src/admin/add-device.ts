// "Add device" for admins, above the device list. An MQTT device gets a key from the hub, shown
// once with its connection settings; it speaks the hub's own convention or that of its family
// (Tasmota, Shelly, Homie, ESPHome), provisioned with its own topic in it. An id that has a key
// already is only re-keyed when the admin says so. A serial device needs no key: the form writes
// its devices-file entry instead.
import type { Api } from '../api.js';
import { h } from '../dom.js';
import { checkDeviceId } from '../../../src/core/model.js';
import { DIALECT_KINDS, DIALECTS, isDialect, type DialectKind } from '../dialects.js';
import type { Device } from '../types.js';
import { AdminApi, isBadRequest, isExists, type AddRequest, type DeviceKey } from './admin-api.js';
import { buttonRow, openModal, type Modal } from './dialog.js';
import { copyField, keyView, type KeyBinding } from './key-view.js';

const SERIAL_KINDS = ['line', 'firmata', 'dsmr'] as const;

export class AddDevice {
  readonly element: HTMLElement;
  private readonly admin: AdminApi;

  /** `known` looks a device up in the list, to tell whether a re-key keeps its dialect. */
  constructor(
    api: Api,
    private readonly known: (id: string) => Device | undefined,
  ) {
    this.admin = new AdminApi(api);
    this.element = h(
      'div',
      { class: 'admin-bar' },
      h('button', { type: 'button', class: 'primary', id: 'add-device', onclick: () => this.open() }, 'Add device'),
    );
  }

  private open(): void {
    const f = addForm();
    const modal = openModal('Add a device', 'add-device', f.form);
    f.cancel.addEventListener('click', () => modal.close());
    f.form.addEventListener('submit', async (e) => {
      e.preventDefault();
      f.error.textContent = '';
      const deviceId = f.id.value.trim();
      const problem = checkDeviceId(deviceId);
      if (problem) {
        f.error.textContent = `The ${problem}.`;
        f.id.focus();
        return;
      }
      const kind = f.kind.value;
      if (!isDialect(kind)) {
        this.showSerialEntry(modal, deviceId, f.name.value.trim(), kind, f.port.value.trim());
        return;
      }
      f.submit.disabled = true;
      try {
        const { request, binding } = this.request(deviceId, f.name.value.trim(), kind, f.topic.value.trim(), f.replace.checked);
        this.showKey(modal, await this.admin.add(request), binding);
      } catch (err) {
        if (isExists(err)) {
          f.replaceRow.hidden = false;
          f.error.textContent = `${deviceId} has a key already. Tick "Replace its key" to make a new one, or choose another id.`;
          f.replace.focus();
        } else if (isBadRequest(err)) {
          f.error.textContent = `The hub refused this device: ${err.message}.`;
          (kind !== 'hub' && /topic/.test(err.message) ? f.topic : f.id).focus();
        } else f.error.textContent = `The device could not be added: ${(err as Error).message}`;
      } finally {
        f.submit.disabled = false;
      }
    });
  }

  /**
   * What to ask the hub for and what the key view shows. A new key without a topic for a device
   * of the same dialect names neither, so the hub keeps the topic it was provisioned with.
   */
  private request(
    id: string,
    name: string,
    dialect: DialectKind,
    topic: string,
    replace: boolean,
  ): { request: AddRequest; binding: KeyBinding } {
    const base = { id, ...(name ? { name } : {}), replace };
    if (replace && !topic && (this.known(id)?.dialect ?? 'hub') === dialect) return { request: base, binding: { dialect, topic: null } };
    const chosen = topic || DIALECTS[dialect].defaultTopic(id);
    return { request: { ...base, dialect, ...(topic ? { topic } : {}) }, binding: { dialect, topic: chosen } };
  }

  private showKey(modal: Modal, created: DeviceKey, binding: KeyBinding): void {
    const done = h('button', { type: 'button', class: 'primary', onclick: () => modal.close() }, 'Done');
    modal.body.replaceChildren(keyView(created, binding), buttonRow(done));
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

/** The form's fields; the kind choice shows the topic field for a family and the port for serial devices. */
function addForm() {
  const id = h('input', { id: 'new-device-id', name: 'id', required: true, maxlength: 64, autocomplete: 'off', spellcheck: 'false' });
  const name = h('input', { id: 'new-device-name', name: 'name', maxlength: 200, autocomplete: 'off' });
  const kind = h(
    'select',
    { id: 'new-device-kind', name: 'kind' },
    h('optgroup', { label: 'MQTT (gets a key)' }, ...DIALECT_KINDS.map((k) => h('option', { value: k }, DIALECTS[k].label))),
    h('optgroup', { label: 'Serial (devices file)' }, ...SERIAL_KINDS.map((k) => h('option', { value: k }, `serial: ${k}`))),
  );
  const topic = h('input', {
    id: 'new-device-topic',
    name: 'topic',
    maxlength: 200,
    autocomplete: 'off',
    spellcheck: 'false',
    'aria-describedby': 'new-device-topic-hint',
  });
  const topicHint = h('p', { class: 'hint', id: 'new-device-topic-hint' });
  const topicRow = h(
    'div',
    { hidden: true },
    h('div', { class: 'field' }, h('label', { for: 'new-device-topic' }, 'Device topic (optional)'), topic),
    topicHint,
  );
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
  const cancel = h('button', { type: 'button' }, 'Cancel');
  const show = () => {
    const dialect = isDialect(kind.value) ? DIALECTS[kind.value] : null;
    portRow.hidden = dialect !== null;
    topicRow.hidden = dialect === null || kind.value === 'hub';
    submit.textContent = dialect ? 'Add' : 'Show the entry';
    if (!dialect || kind.value === 'hub') return;
    topic.placeholder = dialect.placeholder;
    const deviceId = id.value.trim();
    const empty = replace.checked ? 'the topic it was provisioned with' : dialect.defaultTopic(deviceId || '<device id>');
    topicHint.textContent = `${dialect.topicHint} Left empty: ${empty}.`;
  };
  kind.addEventListener('change', show);
  id.addEventListener('input', show);
  replace.addEventListener('change', show);
  const form = h(
    'form',
    { class: 'admin-form', 'aria-describedby': 'new-device-error' },
    h('div', { class: 'field' }, h('label', { for: 'new-device-id' }, 'Device id'), id),
    h('p', { class: 'hint' }, 'Letters, digits, ".", "_" and "-"; for MQTT also the username.'),
    h('div', { class: 'field' }, h('label', { for: 'new-device-name' }, 'Name (optional)'), name),
    h('div', { class: 'field' }, h('label', { for: 'new-device-kind' }, 'Kind of device'), kind),
    topicRow,
    portRow,
    replaceRow,
    error,
    buttonRow(cancel, submit),
  );
  return { form, id, name, kind, topic, port, replace, replaceRow, error, submit, cancel };
}
