import type { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ILabShell } from '@jupyterlab/application';
import { INotebookTracker, type NotebookPanel } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStatusBar } from '@jupyterlab/statusbar';
import { listIcon } from '@jupyterlab/ui-components';
import { AssignmentsPanel } from './assignments/panel.js';
import { simpleEvent } from './capture/cell-events.js';
import { NotebookCapture } from './capture/notebook-capture.js';
import { resolveConfig } from './config.js';
import { askConsent } from './consent.js';
import { HelpButtonExtension } from './help-button.js';
import { fetchServerPresets } from './server-presets.js';
import { CellstreamSession } from './session.js';
import { StatusItem } from './status-item.js';

export const PLUGIN_ID = 'cellstream-jupyter:plugin';

/**
 * Cellstream in JupyterLab: captures notebook activity into the outbox and delivers it to
 * ingest, adds the Help button, the status bar item and the assignments panel.
 */
const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'Cellstream learning analytics: notebook activity, help requests, assignments.',
  autoStart: true,
  requires: [INotebookTracker, ISettingRegistry],
  optional: [IStatusBar, ILabShell],
  activate: async (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    registry: ISettingRegistry,
    statusBar: IStatusBar | null,
    labShell: ILabShell | null,
  ) => {
    const status = new StatusItem();
    const session = new CellstreamSession((current) => status.setStatus(current));
    statusBar?.registerStatusItem('cellstream-jupyter:status', { item: status, align: 'left', rank: 100 });

    const [settings, presets] = await Promise.all([registry.load(PLUGIN_ID), fetchServerPresets()]);
    let asking = false;
    // Not awaited by activation: a dialog must not hold up JupyterLab's start.
    const requestConsent = async (classId: string) => {
      if (asking) return;
      asking = true;
      try {
        await app.restored;
        const answer = await askConsent(classId);
        if (answer !== 'ask') await settings.set('consent', answer);
      } finally {
        asking = false;
      }
    };
    const onSettings = async () => {
      const config = resolveConfig(
        settings.user as Record<string, unknown>,
        settings.composite as Record<string, unknown>,
        presets,
      );
      await session.apply(config);
      if (config.consent === 'ask' && config.ingestUrl) void requestConsent(config.classId);
    };
    settings.changed.connect(() => void onSettings());
    await onSettings();

    new NotebookCapture({
      app,
      tracker,
      context: () => session.context(),
      privacy: () => ({
        sendCode: session.settings?.sendCode ?? true,
        sendOutputs: session.settings?.sendOutputs ?? false,
      }),
      emit: (event) => session.emit(event),
    });

    app.docRegistry.addWidgetExtension(
      'Notebook',
      new HelpButtonExtension((kind, panel: NotebookPanel) => {
        const context = session.context();
        if (!context) return;
        session.emit(
          simpleEvent(context, kind, {
            notebookPath: panel.context.path,
            ...(panel.content.activeCell ? { cellId: panel.content.activeCell.model.id } : {}),
            ...(panel.content.activeCellIndex >= 0 ? { cellIndex: panel.content.activeCellIndex } : {}),
          }),
        );
      }),
    );

    const panel = new AssignmentsPanel({
      lmsUrl: () => session.settings?.lmsUrl ?? '',
      sessionToken: () => session.lmsToken,
      onLogin: (token) => {
        session.sessionToken = token;
      },
      currentNotebook: async () => {
        const current = tracker.currentWidget;
        if (!current) return undefined;
        await current.context.save();
        return { path: current.context.path, json: JSON.stringify(current.context.model.toJSON()) };
      },
    });
    panel.title.icon = listIcon;
    if (labShell) labShell.add(panel, 'left', { rank: 900 });
    else app.shell.add(panel, 'left', { rank: 900 });
  },
};

export default [plugin];
