// The confirmation asked before an output is switched: a modal <dialog>, so focus is trapped
// inside it, Escape cancels, and focus returns to the button that opened it.
import { h } from './dom.js';

export function createConfirm(): (question: string, action: string) => Promise<boolean> {
  const text = h('p', { id: 'confirm-text' });
  const ok = h('button', { type: 'submit', value: 'ok', class: 'primary' });
  const cancel = h('button', { type: 'submit', value: 'cancel', formnovalidate: true }, 'Cancel');
  const dialog = h(
    'dialog',
    { class: 'confirm', 'aria-labelledby': 'confirm-title', 'aria-describedby': 'confirm-text' },
    h(
      'form',
      { method: 'dialog' },
      h('h2', { id: 'confirm-title' }, 'Please confirm'),
      text,
      h('div', { class: 'dialog-buttons' }, cancel, ok),
    ),
  );
  document.body.append(dialog);

  return (question, action) =>
    new Promise((resolve) => {
      const opener = document.activeElement as HTMLElement | null;
      text.textContent = question;
      ok.textContent = action;
      dialog.returnValue = '';
      dialog.addEventListener(
        'close',
        () => {
          opener?.focus();
          resolve(dialog.returnValue === 'ok');
        },
        { once: true },
      );
      dialog.showModal();
      cancel.focus();
    });
}
