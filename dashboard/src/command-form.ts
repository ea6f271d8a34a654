// Any command a device understands, beyond its switches: an action name and JSON parameters,
// sent over the control channel like the switches, and the device's recent commands with their
// states as the hub reports them (from the socket's answers and the live stream).
import type { ControlChannel } from './control-channel.js';
import { h, replaceChildren } from './dom.js';
import type { DeviceStore } from './device-store.js';
import { formatTime } from './format.js';
import type { Device } from './types.js';

const COMMAND_TIMEOUT_MS = 10_000;

export class CommandForm {
  readonly element: HTMLElement;
  private readonly list = h('ol', { class: 'recent-commands', 'aria-live': 'polite' });
  private readonly error: HTMLElement;
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly device: Device,
    enabled: boolean,
    private readonly control: ControlChannel,
    private readonly store: DeviceStore,
    private readonly confirm: (question: string, action: string) => Promise<boolean>,
  ) {
    const id = (name: string) => `command-${name}-${device.id}`;
    this.error = h('p', { class: 'error', role: 'alert', id: id('error') });
    const action = h('input', {
      id: id('action'),
      name: 'action',
      required: true,
      maxlength: 64,
      value: 'set',
      disabled: !enabled,
      autocomplete: 'off',
    });
    const params = h('input', {
      id: id('params'),
      name: 'params',
      value: '{}',
      disabled: !enabled,
      spellcheck: 'false',
      'aria-describedby': this.error.id,
    });
    const form = h(
      'form',
      { class: 'command-form' },
      h('label', { for: id('action') }, 'Action'),
      action,
      h('label', { for: id('params') }, 'Parameters (JSON object)'),
      params,
      h('button', { type: 'submit', disabled: !enabled }, 'Send command'),
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.submit(action.value.trim(), params.value);
    });
    this.element = h('div', { class: 'commands' }, h('h4', {}, 'Command'), form, this.error, h('h4', {}, 'Recent commands'), this.list);
    this.render();
  }

  start(): void {
    this.unsubscribe = this.store.onCommand((command) => {
      if (command.deviceId === this.device.id) this.render();
    });
    this.render();
  }

  stop(): void {
    this.unsubscribe?.();
  }

  private async submit(action: string, paramsText: string): Promise<void> {
    this.error.textContent = '';
    let params: unknown;
    try {
      params = JSON.parse(paramsText || '{}');
    } catch (err) {
      this.error.textContent = `Parameters are not valid JSON: ${(err as Error).message}`;
      return;
    }
    if (typeof params !== 'object' || params === null || Array.isArray(params)) {
      this.error.textContent = 'Parameters must be a JSON object, for example {"relay": true}.';
      return;
    }
    if (!action) return;
    if (!(await this.confirm(`Send "${action}" ${JSON.stringify(params)} to ${this.device.name} (${this.device.id})?`, 'Send'))) return;
    this.control.send(
      { device: this.device.id, action, params: params as Record<string, unknown>, timeoutMs: COMMAND_TIMEOUT_MS },
      (update) => {
        if ('command' in update) this.store.applyCommand(update.command);
        else this.error.textContent = `Command refused: ${update.error.message}`;
      },
    );
  }

  private render(): void {
    const commands = this.store.commandsOf(this.device.id).reverse();
    if (commands.length === 0) {
      replaceChildren(this.list, h('li', { class: 'hint' }, 'None sent from this page yet.'));
      return;
    }
    replaceChildren(
      this.list,
      ...commands.map((c) =>
        h(
          'li',
          { 'data-command': c.id, 'data-state': c.state },
          h('code', {}, `${c.action} ${JSON.stringify(c.params)}`),
          ' ',
          h('strong', { class: 'command-state', 'data-state': c.state }, c.state),
          c.error ? ` – ${c.error}` : '',
          h('span', { class: 'hint' }, ` ${formatTime(c.updatedAt)}`),
        ),
      ),
    );
  }
}
