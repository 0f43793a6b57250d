import type { JupyterFrontEnd } from '@jupyterlab/application';
import type { Cell } from '@jupyterlab/cells';
import { type INotebookTracker, NotebookActions, type NotebookPanel } from '@jupyterlab/notebook';
import type { LearningEvent } from '../delivery/events.js';
import { type EventContext, executionEvent, executionStartEvent, simpleEvent } from './cell-events.js';

/** Commands that interrupt a kernel (the toolbar button and the Kernel menu run these). */
const INTERRUPT_COMMANDS = new Set(['notebook:interrupt-kernel', 'kernelmenu:interrupt']);

export interface CaptureOptions {
  app: JupyterFrontEnd;
  tracker: INotebookTracker;
  context: () => EventContext | undefined;
  privacy: () => { sendCode: boolean; sendOutputs: boolean };
  emit: (event: LearningEvent) => void;
}

/**
 * Turns what happens in notebooks into events: executions (from NotebookActions' signals, timed
 * from schedule to reply), opens, saves, closes, kernel restarts and interrupts.
 * Disconnects everything on dispose.
 */
export class NotebookCapture {
  private readonly scheduledAt = new WeakMap<Cell, number>();
  private readonly disposers: (() => void)[] = [];

  constructor(private readonly options: CaptureOptions) {
    const { app, tracker } = options;
    NotebookActions.executionScheduled.connect(this.onScheduled, this);
    NotebookActions.executed.connect(this.onExecuted, this);
    app.commands.commandExecuted.connect(this.onCommand, this);
    tracker.widgetAdded.connect(this.onNotebook, this);
    tracker.forEach((panel) => {
      this.onNotebook(tracker, panel);
    });
    this.disposers.push(
      () => NotebookActions.executionScheduled.disconnect(this.onScheduled, this),
      () => NotebookActions.executed.disconnect(this.onExecuted, this),
      () => app.commands.commandExecuted.disconnect(this.onCommand, this),
      () => tracker.widgetAdded.disconnect(this.onNotebook, this),
    );
  }

  dispose(): void {
    for (const dispose of this.disposers.splice(0)) dispose();
  }

  private emit(build: (context: EventContext) => LearningEvent): void {
    const context = this.options.context();
    if (context) this.options.emit(build(context));
  }

  private pathOf(notebook: unknown): string {
    const panel = this.options.tracker.find((candidate) => candidate.content === notebook);
    return panel?.context.path ?? '';
  }

  private onScheduled(
    _: unknown,
    { notebook, cell }: { notebook: NotebookPanel['content']; cell: Cell },
  ): void {
    if (cell.model.type !== 'code') return;
    this.scheduledAt.set(cell, performance.now());
    this.emit((context) =>
      executionStartEvent(context, {
        notebookPath: this.pathOf(notebook),
        cellId: cell.model.id,
        cellIndex: notebook.widgets.indexOf(cell),
      }),
    );
  }

  private onExecuted(
    _: unknown,
    args: {
      notebook: NotebookPanel['content'];
      cell: Cell;
      success: boolean;
      error?: { errorName: string; errorValue: string; traceback: string[] } | null;
    },
  ): void {
    const { notebook, cell, success, error } = args;
    if (cell.model.type !== 'code') return;
    const started = this.scheduledAt.get(cell);
    this.scheduledAt.delete(cell);
    const model = cell.model as Cell['model'] & { executionCount?: number | null };
    this.emit((context) =>
      executionEvent(
        context,
        {
          notebookPath: this.pathOf(notebook),
          cellId: model.id,
          cellIndex: notebook.widgets.indexOf(cell),
          code: model.sharedModel.getSource(),
          executionCount: model.executionCount ?? null,
          durationMs: started === undefined ? undefined : performance.now() - started,
          success,
          error: error ?? null,
          outputText: this.options.privacy().sendOutputs ? outputText(cell) : undefined,
        },
        this.options.privacy(),
      ),
    );
  }

  private onCommand(_: unknown, args: { id: string }): void {
    if (!INTERRUPT_COMMANDS.has(args.id)) return;
    const panel = this.options.tracker.currentWidget;
    if (!panel) return;
    this.emit((context) => simpleEvent(context, 'kernel_interrupt', { notebookPath: panel.context.path }));
  }

  private onNotebook(_: unknown, panel: NotebookPanel): void {
    const path = () => panel.context.path;
    void panel.context.ready.then(() => {
      if (panel.isDisposed) return;
      this.emit((context) => simpleEvent(context, 'notebook_open', { notebookPath: path() }));
    });
    panel.context.saveState.connect((__, state) => {
      if (state === 'completed') {
        this.emit((context) => simpleEvent(context, 'notebook_save', { notebookPath: path() }));
      }
    });
    panel.sessionContext.statusChanged.connect((__, status) => {
      if (status === 'restarting' || status === 'autorestarting') {
        this.emit((context) =>
          simpleEvent(context, 'kernel_restart', {
            notebookPath: path(),
            metadata: { reason: status === 'autorestarting' ? 'crash' : 'user' },
          }),
        );
      }
    });
    panel.disposed.connect(() => {
      this.emit((context) => simpleEvent(context, 'notebook_close', { notebookPath: path() }));
    });
  }
}

/** The text a cell printed or returned: streams and `text/plain` results. */
function outputText(cell: Cell): string {
  const outputs = (cell.model as { outputs?: { toJSON(): unknown[] } }).outputs?.toJSON() ?? [];
  const parts: string[] = [];
  for (const output of outputs as Record<string, unknown>[]) {
    if (output.output_type === 'stream') parts.push(joined(output.text));
    const data = output.data as Record<string, unknown> | undefined;
    if (data?.['text/plain'] !== undefined) parts.push(joined(data['text/plain']));
  }
  return parts.join('');
}

const joined = (value: unknown) => (Array.isArray(value) ? value.join('') : String(value ?? ''));
