import type { ClassAggregate } from '../realtime/messages';
import { formatCount, plural } from '../state/format';

interface Tile {
  id: string;
  label: string;
  value: string;
  detail: string;
  tone?: 'warn' | 'alert';
}

function tiles(aggregate: ClassAggregate | null, enrolled: number): Tile[] {
  const a = aggregate;
  return [
    {
      id: 'active',
      label: 'Active students',
      value: formatCount(a?.activeStudents),
      detail: a ? `of ${enrolled} enrolled · ${a.idleStudents} idle` : `of ${enrolled} enrolled`,
    },
    {
      id: 'executions',
      label: 'Executions',
      value: formatCount(a?.totalExecutions),
      detail: a
        ? `${a.executionsLastMinute} in the last minute${a.medianExecutionMs === null ? '' : ` · median ${Math.round(a.medianExecutionMs)} ms`}`
        : 'none yet',
    },
    {
      id: 'errors',
      label: 'Errors',
      value: formatCount(a?.totalErrors),
      detail: a ? `${a.errorsLastMinute} in the last minute` : 'none yet',
      ...(a && a.errorsLastMinute > 0 ? { tone: 'warn' as const } : {}),
    },
    {
      id: 'erroring',
      label: 'Erroring',
      value: formatCount(a?.erroringStudents),
      detail: 'latest run failed',
      ...(a && a.erroringStudents > 0 ? { tone: 'warn' as const } : {}),
    },
    {
      id: 'stuck',
      label: 'Stuck',
      value: formatCount(a?.stuckStudents),
      detail: 'repeated errors',
      ...(a && a.stuckStudents > 0 ? { tone: 'alert' as const } : {}),
    },
    {
      id: 'help',
      label: 'Help requests',
      value: formatCount(a?.helpRequests),
      detail: 'open requests',
      ...(a && a.helpRequests > 0 ? { tone: 'alert' as const } : {}),
    },
  ];
}

/** The class at a glance, from the latest ClassAggregate. */
export function Tiles({ aggregate, enrolled }: { aggregate: ClassAggregate | null; enrolled: number }) {
  return (
    <section aria-label="Class summary">
      <dl class="tiles">
        {tiles(aggregate, enrolled).map((tile) => (
          <div key={tile.id} class={`tile${tile.tone ? ` tile-${tile.tone}` : ''}`} data-tile={tile.id}>
            <dt>{tile.label}</dt>
            <dd class="tile-value">{tile.value}</dd>
            <dd class="tile-detail">{tile.detail}</dd>
          </div>
        ))}
      </dl>
      {aggregate === null && (
        <p class="hint">{plural(0, 'event')} yet: the tiles fill in as students work.</p>
      )}
    </section>
  );
}
