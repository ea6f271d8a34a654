// A device's actuators: a switch for leds and relays, a value for pwm (0-255) and servos (0-180°),
// each showing its state as last known (the last acked command, or the device's own reading of
// the same name, whichever is newer). Every change is confirmed first, goes out over the
// WebSocket control channel, and the row shows the command's state as the hub reports it
// (queued, sent, acked, failed, expired).
import { CommandForm } from './command-form.js';
import type { ControlChannel, ControlUpdate } from './control-channel.js';
import { h, replaceChildren } from './dom.js';
import type { ActuatorState, DeviceStore } from './device-store.js';
import { formatNumber, formatTime } from './format.js';
import { isFinal, type Actuator, type Command, type Device, type Role } from './types.js';

const COMMAND_TIMEOUT_MS = 10_000;
const RANGE: Record<'pwm' | 'servo', { max: number; unit: string }> = { pwm: { max: 255, unit: '' }, servo: { max: 180, unit: '°' } };

export class ControlPanel {
  readonly element: HTMLElement;
  /** The command each actuator last sent, so stream updates reach the right row too. */
  private readonly lastCommand = new Map<string, string>();
  private readonly states = new Map<string, HTMLElement>();
  private readonly outputs = new Map<string, (state: ActuatorState | undefined) => void>();
  private unsubscribe: (() => void) | null = null;
  private unsubscribeStore: (() => void) | null = null;
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
    this.unsubscribeStore = this.store.onChange((id) => {
      if (id === this.device.id || id === null) this.showOutputs();
    });
    this.showOutputs();
  }

  stop(): void {
    this.commands.stop();
    this.unsubscribe?.();
    this.unsubscribeStore?.();
  }

  private showOutputs(): void {
    for (const [name, show] of this.outputs) show(this.store.actuatorState(this.device.id, name));
  }

  private row(actuator: Actuator, enabled: boolean): HTMLElement {
    const state = h('span', { class: 'command-state', role: 'status', 'aria-live': 'polite', 'data-state': 'none' }, '');
    this.states.set(actuator.name, state);
    const disabled = !enabled;
    const describedBy = disabled ? `control-note-${this.device.id}` : undefined;
    const labelId = `actuator-label-${this.device.id}-${actuator.name}`;
    const now = h('span', { class: 'actuator-now' });
    const onOff = actuator.type === 'led' || actuator.type === 'relay';
    const control = onOff ? this.switchButton(actuator, labelId, disabled, describedBy) : this.valueInput(actuator, disabled, describedBy);
    this.outputs.set(actuator.name, (known) => {
      now.textContent = known
        ? `${describe(known.value, onOff)} · ${known.source === 'command' ? 'acked command' : 'device reading'} ${formatTime(known.ts)}`
        : 'state not known yet';
      if (onOff && control instanceof HTMLButtonElement) {
        const on = known !== undefined && Boolean(known.value);
        control.setAttribute('aria-checked', String(on));
        control.dataset.value = known === undefined ? 'unknown' : String(on);
        control.textContent = known === undefined ? 'unknown' : on ? 'on' : 'off';
      }
    });
    return h(
      'div',
      { class: 'actuator', 'data-actuator': actuator.name },
      h('span', { class: 'actuator-name', id: labelId }, `${actuator.name} (${actuator.type})`),
      control,
      now,
      state,
    );
  }

  private switchButton(actuator: Actuator, labelId: string, disabled: boolean, describedBy?: string): HTMLButtonElement {
    const button = h(
      'button',
      {
        type: 'button',
        role: 'switch',
        class: 'switch',
        'aria-checked': 'false',
        'aria-labelledby': labelId,
        'data-actuator': actuator.name,
        disabled,
        'aria-describedby': describedBy,
      },
      'unknown',
    );
    button.addEventListener('click', () => void this.request(actuator, button.dataset.value !== 'true'));
    return button;
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
        if ('command' in update) {
          this.lastCommand.set(actuator.name, update.command.id);
          this.store.applyCommand(update.command);
        }
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

function describe(value: boolean | number, onOff: boolean): string {
  if (onOff) return value ? 'on' : 'off';
  return typeof value === 'number' ? formatNumber(value) : String(value);
}
