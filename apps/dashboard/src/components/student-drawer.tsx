import { useEffect, useRef, useState } from 'preact/hooks';
import type { ApiClient } from '../api/client';
import type { TimelineItem } from '../api/types';
import type { CellProgress } from '../realtime/messages';
import { cellLabel, clockTime, notebookName, relativeTime } from '../state/format';
import type { StudentRow } from '../state/students';
import { latestErroringAttempts } from '../state/timeline';
import { CodeBlock } from './code-block';
import { Icon } from './icon';
import { HelpBadge, StatusBadge } from './status-badge';

interface Props {
  api: ApiClient;
  classId: string;
  row: StudentRow;
  perCell: readonly CellProgress[];
  now: number;
  onClose: () => void;
}

type Timeline =
  | { state: 'loading' }
  | { state: 'ready'; items: TimelineItem[]; nextCursor: string | null; loadingMore: boolean }
  | { state: 'failed'; message: string };

const PAGE = 50;

/**
 * One student's drill-down, as a modal dialog: live status on top, then the timeline of
 * executions and errors (newest first, from PostgreSQL via lms-api), with error messages as text.
 */
export function StudentDrawer({ api, classId, row, perCell, now, onClose }: Props) {
  const [timeline, setTimeline] = useState<Timeline>({ state: 'loading' });
  const dialog = useRef<HTMLDivElement>(null);
  const closeButton = useRef<HTMLButtonElement>(null);
  // Reload the first page when the student runs something new (the counts move).
  const activity = `${row.executions}/${row.errors}`;

  useEffect(() => {
    let cancelled = false;
    api
      .timeline(classId, row.userId, { limit: PAGE })
      .then((page) => {
        if (!cancelled)
          setTimeline({ state: 'ready', items: page.items, nextCursor: page.nextCursor, loadingMore: false });
      })
      .catch((error: Error) => {
        if (!cancelled) setTimeline({ state: 'failed', message: error.message });
      });
    return () => {
      cancelled = true;
    };
  }, [api, classId, row.userId, activity]);

  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    closeButton.current?.focus();
    return () => previous?.focus?.();
  }, [row.userId]);

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      onClose();
      return;
    }
    if (event.key !== 'Tab' || !dialog.current) return;
    // Keep focus inside the dialog while it is open.
    const focusable = [
      ...dialog.current.querySelectorAll<HTMLElement>('button, [href], select, input, [tabindex="0"]'),
    ];
    const first = focusable[0];
    const last = focusable.at(-1);
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last?.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first?.focus();
    }
  };

  const loadMore = () => {
    if (timeline.state !== 'ready' || !timeline.nextCursor) return;
    setTimeline({ ...timeline, loadingMore: true });
    api
      .timeline(classId, row.userId, { limit: PAGE, cursor: timeline.nextCursor })
      .then((page) =>
        setTimeline({
          state: 'ready',
          items: [...timeline.items, ...page.items],
          nextCursor: page.nextCursor,
          loadingMore: false,
        }),
      )
      .catch((error: Error) => setTimeline({ state: 'failed', message: error.message }));
  };

  const latestAttempts =
    timeline.state === 'ready' ? latestErroringAttempts(timeline.items) : new Set<string>();

  const cellIndexOf = (item: TimelineItem) =>
    perCell.find((cell) => cell.cellId === item.cellId && cell.notebookPath === item.notebookPath)
      ?.cellIndex ?? null;

  return (
    <div class="drawer-layer">
      <button type="button" class="drawer-backdrop" tabIndex={-1} aria-label="Close" onClick={onClose} />
      <div
        class="drawer"
        role="dialog"
        aria-modal="true"
        aria-labelledby="drawer-title"
        ref={dialog}
        onKeyDown={onKeyDown}
        data-testid="student-drawer"
      >
        <header class="drawer-head">
          <h2 id="drawer-title">{row.name}</h2>
          <button type="button" ref={closeButton} onClick={onClose} aria-label="Close the student's timeline">
            ✕
          </button>
        </header>
        <p class="badges">
          {row.help && <HelpBadge />}
          <StatusBadge status={row.status} />
          <span class="muted"> {row.userId}</span>
        </p>
        <dl class="facts">
          <div>
            <dt>Notebook</dt>
            <dd>{row.notebookPath ?? '—'}</dd>
          </div>
          <div>
            <dt>Cell</dt>
            <dd>{cellLabel(row.cellIndex, row.cellId)}</dd>
          </div>
          <div>
            <dt>Last activity</dt>
            <dd>{relativeTime(row.lastActivity, now)}</dd>
          </div>
          <div>
            <dt>Executions</dt>
            <dd>{row.executions}</dd>
          </div>
          <div>
            <dt>Errors</dt>
            <dd>
              {row.errors}
              {row.consecutiveErrors > 0 ? ` (${row.consecutiveErrors} in a row)` : ''}
            </dd>
          </div>
        </dl>
        <h3>Timeline</h3>
        {timeline.state === 'loading' && <p class="muted">Loading…</p>}
        {timeline.state === 'failed' && (
          <p class="error-text">Could not load the timeline: {timeline.message}</p>
        )}
        {timeline.state === 'ready' && timeline.items.length === 0 && (
          <p class="empty">No executions stored for this student yet.</p>
        )}
        {timeline.state === 'ready' && timeline.items.length > 0 && (
          <ol class="timeline" data-testid="timeline">
            {timeline.items.map((item) => (
              <li key={item.eventId} class={item.hasError ? 'timeline-error' : 'timeline-ok'}>
                <div class="timeline-head">
                  <Icon name={item.hasError ? 'cross' : 'check'} />
                  <strong>{item.hasError ? 'Error' : 'Ran'}</strong>{' '}
                  <time dateTime={item.eventTime}>{clockTime(Date.parse(item.eventTime))}</time>
                  <span class="muted">
                    {' · '}
                    {notebookName(item.notebookPath)} · {cellLabel(cellIndexOf(item), item.cellId)}
                    {item.executionCount === null ? '' : ` · In [${item.executionCount}]`}
                    {item.durationMs === null ? '' : ` · ${Math.round(item.durationMs)} ms`}
                  </span>
                </div>
                {item.code !== null && latestAttempts.has(item.eventId) ? (
                  <CodeBlock
                    label={
                      item.codeTruncated
                        ? 'Code of the latest attempt (cut short)'
                        : 'Code of the latest attempt'
                    }
                    text={item.code}
                    tone="source"
                  />
                ) : null}
                {item.hasError && (
                  <CodeBlock
                    label="Error"
                    text={`${item.errorName ?? 'Error'}: ${item.errorMessage ?? ''}`}
                    tone="error"
                  />
                )}
              </li>
            ))}
          </ol>
        )}
        {timeline.state === 'ready' && timeline.nextCursor && (
          <button type="button" onClick={loadMore} disabled={timeline.loadingMore}>
            {timeline.loadingMore ? 'Loading…' : 'Load older'}
          </button>
        )}
      </div>
    </div>
  );
}
