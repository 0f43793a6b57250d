import { Component } from 'preact';
import { cellLabel, notebookName, relativeTime } from '../state/format';
import type { StudentRow } from '../state/students';
import { HelpBadge, StatusBadge } from './status-badge';

interface Props {
  row: StudentRow;
  /** Position in the sorted list (aria-rowindex, keyboard moves). */
  index: number;
  /** Rounded to the ticker's step, so rows re-render for the clock only when their label may change. */
  now: number;
  selected: boolean;
  onOpen: (userId: string) => void;
}

/**
 * One student. A class component only for shouldComponentUpdate: rows are reused objects
 * (createRowBuilder), so a frame that changes 3 students re-renders 3 rows, not 500.
 */
export class GridRow extends Component<Props> {
  override shouldComponentUpdate(next: Props): boolean {
    const { row, now, selected, index } = this.props;
    return next.row !== row || next.now !== now || next.selected !== selected || next.index !== index;
  }

  override render() {
    const { row, now, selected, index, onOpen } = this.props;
    return (
      <tr
        class={`grid-row${row.attention ? ` attention attention-${row.attention}` : ''}${selected ? ' selected' : ''}`}
        data-user-id={row.userId}
        data-status={row.status}
        data-help={row.help ? 'true' : 'false'}
        aria-rowindex={index + 2}
      >
        <th scope="row">
          <button
            type="button"
            class="row-open"
            data-row-button
            data-row-index={index}
            onClick={() => onOpen(row.userId)}
            aria-label={`${row.name}: open the timeline`}
          >
            {row.name}
          </button>
          {row.name !== row.userId && <span class="muted user-id">{row.userId}</span>}
        </th>
        <td>
          <span class="badges">
            {row.help && <HelpBadge />}
            <StatusBadge status={row.status} />
          </span>
        </td>
        <td title={row.notebookPath ?? undefined}>{notebookName(row.notebookPath)}</td>
        <td>{cellLabel(row.cellIndex, row.cellId)}</td>
        <td>
          {row.lastActivity === null ? (
            'never'
          ) : (
            <time
              dateTime={new Date(row.lastActivity).toISOString()}
              title={new Date(row.lastActivity).toLocaleString()}
            >
              {relativeTime(row.lastActivity, now)}
            </time>
          )}
        </td>
        <td class="num" data-col="executions">
          {row.executions}
        </td>
        <td class="num" data-col="errors" title={row.lastErrorName ?? undefined}>
          {row.errors}
          {row.consecutiveErrors > 1 && <span class="muted"> ({row.consecutiveErrors} in a row)</span>}
          {row.lastErrorName && (row.status === 'erroring' || row.status === 'stuck') && (
            <span class="error-name"> {row.lastErrorName}</span>
          )}
        </td>
      </tr>
    );
  }
}
