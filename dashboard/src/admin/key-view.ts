// A device key, shown once, with a copy button and the connection settings an MQTT device needs:
// the broker's host and port, username = the device id, password = the key, and then either the
// hub's own topics with an example telemetry message or, for a device of another family, what to
// enter in that family's MQTT settings (family-settings.ts).
import { h } from '../dom.js';
import type { DialectKind } from '../dialects.js';
import type { DeviceKey } from './admin-api.js';
import { familySettings, setting } from './family-settings.js';

/** The device's dialect and its topic in it (null when the page does not know it). */
export interface KeyBinding {
  dialect: DialectKind;
  topic: string | null;
}

const WARNING = 'This key is shown only now. Copy it into the device; the hub keeps only a hash of it.';

export function keyView(created: DeviceKey, binding: KeyBinding = { dialect: 'hub', topic: null }): HTMLElement {
  const { id, key, mqtt } = created;
  if (binding.dialect !== 'hub') {
    const login = { id, key, host: location.hostname, port: mqtt.port, tls: mqtt.tls, topic: binding.topic };
    return h(
      'div',
      { class: 'key-view', 'data-device-id': id, 'data-dialect': binding.dialect },
      h('p', { class: 'warning' }, WARNING),
      copyField(`key-${id}`, 'Device key (MQTT password)', key),
      ...familySettings(binding.dialect, login),
    );
  }
  return hubKeyView(created);
}

function hubKeyView({ id, key, mqtt }: DeviceKey): HTMLElement {
  const example = JSON.stringify({ seq: 0, ts: Date.now(), readings: { temperature: 21.5 } });
  const wsScheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return h(
    'div',
    { class: 'key-view', 'data-device-id': id },
    h('p', { class: 'warning' }, WARNING),
    copyField(`key-${id}`, 'Device key (MQTT password)', key),
    h('h3', {}, 'MQTT connection'),
    h(
      'dl',
      { class: 'settings' },
      ...setting('Host', location.hostname),
      ...setting('Port', `${mqtt.port} (MQTT over ${mqtt.tls ? 'TLS' : 'TCP'})`),
      ...setting('Over WebSocket', `${wsScheme}://${location.host}/mqtt`),
      ...setting('Client id', id),
      ...setting('Username', id),
      ...setting('Password', 'the key above'),
      ...setting('Publish readings to', `devices/${id}/telemetry`),
      ...setting('Subscribe to', `devices/${id}/ack, devices/${id}/cmd, devices/${id}/error`),
    ),
    h('p', {}, 'Example telemetry message (QoS 1):'),
    h('pre', { class: 'example', tabindex: 0, 'aria-label': 'Example telemetry message' }, example),
    h(
      'p',
      { class: 'hint' },
      'For example: ',
      h(
        'code',
        {},
        `mosquitto_pub -h ${location.hostname} -p ${mqtt.port}${mqtt.tls ? ' --capath /etc/ssl/certs' : ''} -u ${id} -P <key> -q 1 -t devices/${id}/telemetry -m '${example}'`,
      ),
    ),
  );
}

/** A read-only field with a button that copies its value. */
export function copyField(id: string, label: string, value: string): HTMLElement {
  const multiline = value.includes('\n');
  const input = multiline
    ? h('textarea', { id, readonly: true, spellcheck: 'false', class: 'copy-value', rows: value.split('\n').length })
    : h('input', { id, type: 'text', readonly: true, value, spellcheck: 'false', class: 'copy-value' });
  if (multiline) input.value = value;
  const done = h('span', { class: 'hint', role: 'status' });
  const button = h('button', { type: 'button', class: 'copy' }, 'Copy');
  button.addEventListener('click', async () => {
    input.select();
    try {
      await navigator.clipboard.writeText(value);
      done.textContent = 'Copied.';
    } catch {
      // Without clipboard access (plain http on another host) the value stays selected to copy by hand.
      done.textContent = document.execCommand('copy') ? 'Copied.' : 'Selected: press Ctrl+C to copy.';
    }
  });
  return h('div', { class: 'copy-field' }, h('label', { for: id }, label), h('div', { class: 'copy-row' }, input, button), done);
}
