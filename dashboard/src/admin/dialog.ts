// A modal <dialog> for the admin forms: focus moves into it and is trapped there, Escape closes
// it, and focus returns to whatever opened it. The dialog removes itself once closed.
import { h } from '../dom.js';

let nextId = 1;

export interface Modal {
  dialog: HTMLDialogElement;
  body: HTMLElement;
  close(): void;
  closed: Promise<void>;
}

export function openModal(title: string, className: string, ...content: Array<Node | null>): Modal {
  const titleId = `modal-title-${nextId++}`;
  const body = h('div', { class: 'modal-body' });
  for (const node of content) if (node) body.append(node);
  const dialog = h('dialog', { class: `modal ${className}`, 'aria-labelledby': titleId }, h('h2', { id: titleId }, title), body);
  const opener = document.activeElement as HTMLElement | null;
  document.body.append(dialog);
  const closed = new Promise<void>((resolve) =>
    dialog.addEventListener('close', () => {
      dialog.remove();
      if (opener?.isConnected) opener.focus();
      resolve();
    }),
  );
  dialog.showModal();
  const first = dialog.querySelector<HTMLElement>('input, button, select, textarea');
  first?.focus();
  return { dialog, body, close: () => dialog.close(), closed };
}

/** A row of dialog buttons: the actions, then one that closes the dialog. */
export function buttonRow(...buttons: HTMLElement[]): HTMLElement {
  return h('div', { class: 'dialog-buttons' }, ...buttons);
}
