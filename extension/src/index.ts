import type { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ILabShell } from '@jupyterlab/application';
import { Notification } from '@jupyterlab/apputils';
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
import { StudentNotifications } from './notifications/controller.js';
import type { FeedState } from './notifications/feed.js';
import { fetchServerPresets } from './server-presets.js';
import { CellstreamSession } from './session.js';
import { StatusItem } from './status-item.js';

export const PLUGIN_ID = 'cellstream-jupyter:plugin';

/**
 * Cellstream in JupyterLab: captures notebook activity into the outbox and delivers it to
 * ingest, adds the Help button, the status bar item and the assignments panel, and shows the
 * student's live notifications (grades, returns, messages to the class) from realtime.
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
    const panel = new AssignmentsPanel({
      lmsUrl: () => session.settings?.lmsUrl ?? '',
      sessionToken: () => session.lmsToken,
      onLogin: (token) => {
        session.sessionToken = token;
        refreshNotifications();
      },
      currentNotebook: async () => {
        const current = tracker.currentWidget;
        if (!current) return undefined;
        await current.context.save();
        return { path: current.context.path, json: JSON.stringify(current.context.model.toJSON()) };
      },
    });
    panel.title.icon = listIcon;

    const notifications = new StudentNotifications({
      storage: safeLocalStorage(),
      toast: (toast, notification) => {
        Notification.emit(toast.message, toast.type, {
          // Grades and returns stay until dismissed; messages to the class fade.
          autoClose: notification.kind === 'system_message' ? 15_000 : false,
          actions:
            notification.kind === 'system_message'
              ? []
              : [{ label: 'Show assignments', callback: () => app.shell.activateById(panel.id) }],
        });
      },
      onRecent: (recent) => panel.setNotifications(recent),
      onSubmissionsChanged: () => void panel.refresh(),
      onState: (state, detail) => panel.setFeedState(feedStateText(state, detail)),
    });
    // The feed needs a token realtime accepts: the configured one, else the panel's login.
    const refreshNotifications = () =>
      notifications.apply(
        session.settings?.realtimeUrl ?? '',
        session.settings?.token || session.sessionToken,
      );
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
      refreshNotifications();
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
      new HelpButtonExtension((kind, notebook: NotebookPanel) => {
        const context = session.context();
        if (!context) return;
        session.emit(
          simpleEvent(context, kind, {
            notebookPath: notebook.context.path,
            ...(notebook.content.activeCell ? { cellId: notebook.content.activeCell.model.id } : {}),
            ...(notebook.content.activeCellIndex >= 0 ? { cellIndex: notebook.content.activeCellIndex } : {}),
          }),
        );
      }),
    );

    if (labShell) labShell.add(panel, 'left', { rank: 900 });
    else app.shell.add(panel, 'left', { rank: 900 });
  },
};

function feedStateText(state: FeedState, detail?: string): string {
  switch (state) {
    case 'live':
      return 'Live: new grades and messages appear here at once.';
    case 'connecting':
      return 'Connecting for live notifications...';
    case 'retrying':
      return `Live notifications reconnecting${detail ? ` (${detail})` : ''}...`;
    case 'refused':
      return `Live notifications are off: ${detail ?? 'the token was refused'}. Log in again or ask your instructor for a new token.`;
    case 'stopped':
      return detail ? `Live notifications are off: ${detail}.` : '';
  }
}

/** localStorage, unless the browser denies it (some private modes): then nothing is remembered. */
function safeLocalStorage(): Storage | undefined {
  try {
    return window.localStorage;
  } catch {
    return undefined;
  }
}

export default [plugin];
