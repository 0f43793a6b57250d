import type { DocumentRegistry } from '@jupyterlab/docregistry';
import type { INotebookModel, NotebookPanel } from '@jupyterlab/notebook';
import { ToolbarButton } from '@jupyterlab/ui-components';
import type { IDisposable } from '@lumino/disposable';

/**
 * The notebook toolbar's "Help" button: pressing it asks for help (`help_request`) and leaves
 * it pressed; pressing it again withdraws the request (`help_cancel`). One state per notebook.
 */
export class HelpButtonExtension implements DocumentRegistry.IWidgetExtension<NotebookPanel, INotebookModel> {
  constructor(private readonly send: (kind: 'help_request' | 'help_cancel', panel: NotebookPanel) => void) {}

  createNew(panel: NotebookPanel): IDisposable {
    // Our own state: ToolbarButton ignores `pressed` changes unless enabled, so it is no record.
    let asking = false;
    const button: ToolbarButton = new ToolbarButton({
      enabled: true,
      className: 'cs-help-button',
      label: 'Help',
      tooltip: 'Ask your instructor for help',
      pressedTooltip: 'Withdraw your request for help',
      onClick: () => {
        asking = !asking;
        button.pressed = asking;
        button.node.dataset.asking = String(asking);
        this.send(asking ? 'help_request' : 'help_cancel', panel);
      },
    });
    panel.toolbar.insertItem(10, 'cellstream-help', button);
    return button;
  }
}
