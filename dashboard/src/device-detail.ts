// The panel of one device: what it is, its outputs and its history.
import type { Api } from './api.js';
import type { ControlChannel } from './control-channel.js';
import { ControlPanel } from './control-panel.js';
import { h } from './dom.js';
import type { DeviceStore } from './device-store.js';
import { HistoryPanel } from './history-panel.js';
import type { Device, Role } from './types.js';

export interface DetailDeps {
  api: Api;
  store: DeviceStore;
  control: ControlChannel;
  role: Role;
  confirm: (question: string, action: string) => Promise<boolean>;
}

export class DeviceDetail {
  readonly element: HTMLElement;
  private readonly control: ControlPanel;
  private readonly history: HistoryPanel;

  constructor(device: Device, deps: DetailDeps, onClose: () => void) {
    this.control = new ControlPanel(device, deps.role, deps.control, deps.store, deps.confirm);
    this.history = new HistoryPanel(deps.api, deps.store, device);
    const title = h('h2', { id: 'detail-title', tabindex: -1 }, device.name);
    this.element = h(
      'section',
      { class: 'detail card', 'aria-labelledby': 'detail-title', 'data-device-id': device.id },
      h(
        'div',
        { class: 'detail-head' },
        title,
        h('button', { type: 'button', class: 'close', onclick: onClose, 'aria-label': `Close ${device.name}` }, 'Close'),
      ),
      h(
        'p',
        { class: 'hint' },
        `${device.id} · ${device.transport}${device.firmware ? ` · firmware ${device.firmware}` : ''}` +
          (device.sampleIntervalMs ? ` · samples every ${device.sampleIntervalMs / 1000} s` : ''),
      ),
      this.control.element,
      this.history.element,
    );
  }

  /** Call once the element is in the document: the charts need its width. */
  start(): void {
    this.control.start();
    this.history.start();
    (this.element.querySelector('#detail-title') as HTMLElement).focus();
  }

  stop(): void {
    this.control.stop();
    this.history.stop();
  }
}
