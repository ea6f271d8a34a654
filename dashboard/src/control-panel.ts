// A device's actuators: on/off for leds and relays, a value for pwm (0-255) and servos (0-180°).
// Every change is confirmed first, goes out over the WebSocket control channel, and the row
// shows the command's state as the hub reports it (queued, sent, acked, failed, expired).
import { CommandForm } from './command-form.js';
import type { ControlChannel, ControlUpdate } from './control-channel.js';
import { h, replaceChildren } from './dom.js';
import type { DeviceStore } from './device-store.js';
import { isFinal, type Actuator, type Command, type Device, type Role } from './types.js';

const COMMAND_TIMEOUT_MS = 10_000;
const RANGE: Record<'pwm' | 'servo', { max: number; unit: string }> = { pwm: { max: 255, unit: '' }, servo: { max: 180, unit: '°' } };

export class ControlPanel {
  readonly element: HTMLElement;
  /** The command each actuator last sent, so stream updates reach the right row too. */
  private readonly lastCommand = new Map<string, string>();
  private readonly states = new Map<string, HTMLElement>();
  private unsubscribe: (() => void) | null = null;
  private readonly commands: CommandForm;

  constructor(
    private readonly device: Device,
    readonly role: Role,
    private readonly control: ControlChannel,
    private readonly store: DeviceStore,
    private readonly confirm: (question: string, action: string) => Promise<boolean>,
  ) {
    const canControl = role !== 'viewer';
    this.commands = new CommandForm(device, canControl, control, store, confirm);
    const body = h('div', { class: 'actuators' });
    this.element = h(
      'section',
      { class: 'control', 'aria-labelledby': `control-title-${device.id}` },
      h('h3', { id: `control-title-${device.id}` }, 'Control'),
      canControl
        ? null
        : h(
            'p',
            { class: 'hint', id: `control-note-${device.id}` },
            'Your role (viewer) can watch but not switch outputs; an operator token is needed.',
          ),
      body,
      this.commands.element,
    );
    if (device.actuators.length === 0) replaceChildren(body, h('p', { class: 'hint' }, 'This device has no outputs.'));
    else replaceChildren(body, ...device.actuators.map((a) => this.row(a, canControl)));
  }

  start(): void {
    this.commands.start();
    this.unsubscribe = this.store.onCommand((command) => {
      for (const [actuator, id] of this.lastCommand) if (id === command.id) this.showState(actuator, { command });
    });
  }

  stop(): void {
    this.commands.stop();
    this.unsubscribe?.();
  }

  private row(actuator: Actuator, enabled: boolean): HTMLElement {
    const state = h('span', { class: 'command-state', role: 'status', 'aria-live': 'polite', 'data-state': 'none' }, '');
    this.states.set(actuator.name, state);
    const disabled = !enabled;
    const describedBy = disabled ? `control-note-${this.device.id}` : undefined;
    const controls =
      actuator.type === 'led' || actuator.type === 'relay'
        ? [true, false].map((on) =>
            h(
              'button',
              {
                type: 'button',
                class: 'switch',
                'data-actuator': actuator.name,
                'data-value': String(on),
                disabled,
                'aria-describedby': describedBy,
                onclick: () => void this.request(actuator, on),
              },
              `${actuator.name} ${on ? 'on' : 'off'}`,
            ),
          )
        : [this.valueInput(actuator, disabled, describedBy)];
    return h(
      'div',
      { class: 'actuator', 'data-actuator': actuator.name },
      h('span', { class: 'actuator-name' }, `${actuator.name} (${actuator.type})`),
      ...controls,
      state,
    );
  }

  private valueInput(actuator: Actuator, disabled: boolean, describedBy?: string): HTMLElement {
    const { max, unit } = RANGE[actuator.type as 'pwm' | 'servo'];
    const id = `actuator-${this.device.id}-${actuator.name}`;
    const input = h('input', { id, type: 'number', min: 0, max, step: 1, value: 0, disabled, 'aria-describedby': describedBy });
    const form = h(
      'form',
      { class: 'actuator-value' },
      h('label', { for: id }, `${actuator.name} (0–${max}${unit})`),
      input,
      h('button', { type: 'submit', disabled }, 'Set'),
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const value = Number(input.value);
      if (!Number.isInteger(value) || value < 0 || value > max) {
        this.showState(actuator.name, { error: { code: 'invalid', message: `a whole number from 0 to ${max}` } });
        return;
      }
      void this.request(actuator, value);
    });
    return form;
  }

  private async request(actuator: Actuator, value: boolean | number): Promise<void> {
    const what = typeof value === 'boolean' ? `Switch ${actuator.name} ${value ? 'on' : 'off'}` : `Set ${actuator.name} to ${value}`;
    if (!(await this.confirm(`${what} on ${this.device.name} (${this.device.id})?`, what))) return;
    this.lastCommand.delete(actuator.name);
    this.showState(actuator.name, null);
    this.control.send(
      { device: this.device.id, action: 'set', params: { [actuator.name]: value }, timeoutMs: COMMAND_TIMEOUT_MS },
      (update) => {
        if ('command' in update) this.lastCommand.set(actuator.name, update.command.id);
        this.showState(actuator.name, update);
      },
    );
  }

  private showState(actuator: string, update: ControlUpdate | null): void {
    const el = this.states.get(actuator);
    if (!el) return;
    if (update === null) {
      el.dataset.state = 'sending';
      el.textContent = 'sending…';
    } else if ('command' in update) {
      const command: Command = update.command;
      // Answers can overtake each other (socket and stream); never step back from a final state.
      if (isFinal(el.dataset.state ?? '') && el.dataset.command === command.id) return;
      el.dataset.state = command.state;
      el.dataset.command = command.id;
      el.textContent = command.error ? `${command.state}: ${command.error}` : command.state;
    } else {
      el.dataset.state = 'error';
      el.textContent = `error: ${update.error.message}`;
    }
  }
}
