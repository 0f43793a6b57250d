import type { StatusFilter, ViewOptions } from '../state/students';
import { Icon } from './icon';

const filters: { value: StatusFilter; label: string }[] = [
  { value: 'all', label: 'All students' },
  { value: 'attention', label: 'Needs attention (help or stuck)' },
  { value: 'stuck', label: 'Stuck' },
  { value: 'erroring', label: 'Erroring' },
  { value: 'active', label: 'Active' },
  { value: 'idle', label: 'Idle' },
  { value: 'not_started', label: 'Not started' },
];

interface Props {
  view: ViewOptions;
  shown: number;
  total: number;
  onChange: (view: ViewOptions) => void;
  onExport: () => void;
}

export function GridToolbar({ view, shown, total, onChange, onExport }: Props) {
  return (
    <div class="toolbar">
      <label class="inline-field">
        Find{' '}
        <input
          type="search"
          value={view.query}
          placeholder="name, notebook, error…"
          onInput={(event) => onChange({ ...view, query: event.currentTarget.value })}
          data-testid="grid-filter"
        />
      </label>
      <label class="inline-field">
        Show{' '}
        <select
          value={view.status}
          onChange={(event) => onChange({ ...view, status: event.currentTarget.value as StatusFilter })}
          data-testid="grid-status-filter"
        >
          {filters.map((filter) => (
            <option key={filter.value} value={filter.value}>
              {filter.label}
            </option>
          ))}
        </select>
      </label>
      <label class="inline-field">
        <input
          type="checkbox"
          checked={view.pinAttention}
          onChange={(event) => onChange({ ...view, pinAttention: event.currentTarget.checked })}
        />{' '}
        Help and stuck on top
      </label>
      <span class="muted" aria-live="polite">
        Showing {shown} of {total}
      </span>
      <button type="button" onClick={onExport} data-testid="export-csv">
        <Icon name="download" /> Export CSV
      </button>
    </div>
  );
}
