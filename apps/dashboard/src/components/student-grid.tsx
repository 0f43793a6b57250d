import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { SortKey, StudentRow, ViewOptions } from '../state/students';
import { scrollToRow, visibleRange } from '../state/window';
import { GridRow } from './grid-row';

/**
 * Fixed column widths and row heights (table-layout: fixed): a change in one cell never makes
 * the browser lay out the whole table again.
 */
const columns: { key: SortKey; label: string; width: string; numeric?: boolean }[] = [
  { key: 'name', label: 'Student', width: '16%' },
  { key: 'status', label: 'Status', width: '18%' },
  { key: 'notebook', label: 'Notebook', width: '13%' },
  { key: 'cell', label: 'Cell', width: '8%' },
  { key: 'lastActivity', label: 'Last activity', width: '15%' },
  { key: 'executions', label: 'Executions', width: '13%', numeric: true },
  { key: 'errors', label: 'Errors', width: '17%', numeric: true },
];

/** Must match `.grid-row` in styles.css. */
export const ROW_HEIGHT = 52;
const HEADER_HEIGHT = 40;
/** Larger classes render only the rows in view (plus OVERSCAN each side): 500 students stay smooth. */
const WINDOW_FROM = 80;
const OVERSCAN = 10;

interface Props {
  rows: readonly StudentRow[];
  total: number;
  view: ViewOptions;
  now: number;
  selected: string | null;
  onSort: (key: SortKey) => void;
  onOpen: (userId: string) => void;
}

const moves: Record<string, (index: number, count: number) => number> = {
  ArrowDown: (index, count) => Math.min(count - 1, index + 1),
  ArrowUp: (index) => Math.max(0, index - 1),
  PageDown: (index, count) => Math.min(count - 1, index + 10),
  PageUp: (index) => Math.max(0, index - 10),
  Home: () => 0,
  End: (_index, count) => count - 1,
};

/** Stands in for rows not rendered, so the scrollbar stays true. */
function Spacer({ rows }: { rows: number }) {
  return (
    <tr class="spacer">
      <td aria-hidden="true" colSpan={columns.length} style={{ height: `${rows * ROW_HEIGHT}px` }} />
    </tr>
  );
}

/**
 * The live student grid: one row per student, sortable by every column. Arrow keys, Page Up/Down,
 * Home and End move between students; Enter opens the one focused.
 */
export function StudentGrid({ rows, total, view, now, selected, onSort, onOpen }: Props) {
  const scroller = useRef<HTMLDivElement>(null);
  const [viewport, setViewport] = useState({ top: 0, height: 900 });
  const pendingFocus = useRef<number | null>(null);
  const scheduled = useRef(false);
  const windowed = rows.length > WINDOW_FROM;

  useEffect(() => {
    const element = scroller.current;
    if (!element) return;
    const measure = () => setViewport({ top: element.scrollTop, height: element.clientHeight });
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  const onScroll = () => {
    if (scheduled.current) return;
    scheduled.current = true;
    requestAnimationFrame(() => {
      scheduled.current = false;
      const element = scroller.current;
      if (element) setViewport({ top: element.scrollTop, height: element.clientHeight });
    });
  };

  const focusRow = (index: number) =>
    scroller.current?.querySelector<HTMLButtonElement>(`button[data-row-index="${index}"]`);

  // A row moved to by keyboard may only exist after the render that scrolls it into view.
  useLayoutEffect(() => {
    if (pendingFocus.current === null) return;
    const button = focusRow(pendingFocus.current);
    if (button) {
      button.focus({ preventScroll: !windowed });
      pendingFocus.current = null;
    }
  });

  const onKeyDown = (event: KeyboardEvent) => {
    const move = moves[event.key];
    const index = Number((event.target as HTMLElement | null)?.dataset?.rowIndex ?? Number.NaN);
    if (!move || !Number.isInteger(index)) return;
    event.preventDefault();
    const next = move(index, rows.length);
    const element = scroller.current;
    if (element) {
      const top = scrollToRow(next, element.scrollTop, element.clientHeight, ROW_HEIGHT, HEADER_HEIGHT);
      if (top !== undefined) element.scrollTop = top;
    }
    const button = focusRow(next);
    if (button) button.focus();
    else {
      pendingFocus.current = next;
      if (element) setViewport({ top: element.scrollTop, height: element.clientHeight });
    }
  };

  const { start, end } = windowed
    ? visibleRange(viewport.top - HEADER_HEIGHT, viewport.height, ROW_HEIGHT, rows.length, OVERSCAN)
    : { start: 0, end: rows.length };

  return (
    <div class="grid-scroll" ref={scroller} onScroll={windowed ? onScroll : undefined}>
      <table class="grid" aria-label="Students" aria-rowcount={rows.length + 1} data-testid="student-grid">
        <caption class="sr-only">
          {`${rows.length} of ${total} students. Help requests and stuck students are listed first when pinned. Use the arrow keys to move between students and Enter to open one.`}
        </caption>
        <colgroup>
          {columns.map((column) => (
            <col key={column.key} style={{ width: column.width }} />
          ))}
        </colgroup>
        <thead>
          <tr aria-rowindex={1}>
            {columns.map((column) => {
              const sorted = view.sort.key === column.key;
              return (
                <th
                  key={column.key}
                  scope="col"
                  class={column.numeric ? 'num' : undefined}
                  aria-sort={sorted ? (view.sort.direction === 'asc' ? 'ascending' : 'descending') : 'none'}
                >
                  <button type="button" class="sort-button" onClick={() => onSort(column.key)}>
                    {column.label}
                    <span aria-hidden="true" class="sort-arrow">
                      {sorted ? (view.sort.direction === 'asc' ? ' ▲' : ' ▼') : ' ↕'}
                    </span>
                  </button>
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody onKeyDown={onKeyDown}>
          {start > 0 && <Spacer rows={start} />}
          {rows.slice(start, end).map((row, offset) => (
            <GridRow
              key={row.userId}
              row={row}
              index={start + offset}
              now={now}
              selected={row.userId === selected}
              onOpen={onOpen}
            />
          ))}
          {end < rows.length && <Spacer rows={rows.length - end} />}
        </tbody>
      </table>
      {rows.length === 0 && <p class="empty">No student matches the filter.</p>}
    </div>
  );
}
