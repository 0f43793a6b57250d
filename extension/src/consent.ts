import { Dialog, showDialog } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';
import type { Consent } from './config.js';

/** Asks once whether Cellstream may record this student's work; the answer goes to the settings. */
export async function askConsent(classLabel: string): Promise<Consent> {
  const body = document.createElement('div');
  body.className = 'cs-consent';
  body.innerHTML =
    '<p>Cellstream shares how you work in notebooks with your instructor' +
    '<span class="cs-consent-class"></span>: when cells run, which errors they raise, saves, and ' +
    'help requests. Your code is included unless you turn that off in Settings → Cellstream.</p>' +
    '<p>You can change your mind at any time in the same settings.</p>';
  const classSpan = body.querySelector('.cs-consent-class');
  if (classSpan && classLabel) classSpan.textContent = ` (class ${classLabel})`;
  const result = await showDialog({
    title: 'Share your notebook activity?',
    body: new Widget({ node: body }),
    buttons: [Dialog.cancelButton({ label: 'No, thanks' }), Dialog.okButton({ label: 'Share' })],
  });
  if (result.button.accept) return 'granted';
  return result.button.label === 'No, thanks' ? 'declined' : 'ask';
}
