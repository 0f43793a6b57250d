import { useState } from 'preact/hooks';
import type { ApiClient } from '../api/client';
import type { ErrorCount } from '../realtime/messages';
import { describeGroup, type ErrorGroup } from '../state/error-groups';
import { ErrorGroupDetail } from './error-group-detail';

interface Props {
  api: ApiClient;
  classId: string;
  groups: readonly ErrorGroup[];
  topErrors: readonly ErrorCount[];
  onOpenStudent: (userId: string) => void;
}

/** Errors across the class: who is failing on what right now, and the most frequent errors overall. */
export function ErrorGroups({ api, classId, groups, topErrors, onOpenStudent }: Props) {
  const [open, setOpen] = useState<string | null>(null);
  return (
    <section class="panel" aria-labelledby="errors-title" data-testid="error-groups">
      <h2 id="errors-title">Errors right now</h2>
      {groups.length === 0 ? (
        <p class="empty">No student's latest run failed.</p>
      ) : (
        <ul class="error-groups">
          {groups.map((group) => {
            const expanded = open === group.key;
            const panelId = `error-group-${group.key.replace(/[^A-Za-z0-9]+/g, '-')}`;
            return (
              <li key={group.key} class="error-group" data-error-name={group.errorName}>
                <button
                  type="button"
                  class="error-group-toggle"
                  aria-expanded={expanded}
                  aria-controls={panelId}
                  onClick={() => setOpen(expanded ? null : group.key)}
                >
                  <span aria-hidden="true">{expanded ? '▾ ' : '▸ '}</span>
                  {describeGroup(group)}
                </button>
                {expanded && (
                  <div id={panelId}>
                    <ErrorGroupDetail
                      api={api}
                      classId={classId}
                      group={group}
                      onOpenStudent={onOpenStudent}
                    />
                  </div>
                )}
              </li>
            );
          })}
        </ul>
      )}
      {topErrors.length > 0 && (
        <table class="compact">
          <caption>Most frequent errors since class began</caption>
          <thead>
            <tr>
              <th scope="col">Error</th>
              <th scope="col" class="num">
                Times
              </th>
              <th scope="col" class="num">
                Students
              </th>
            </tr>
          </thead>
          <tbody>
            {topErrors.map((error) => (
              <tr key={error.errorName}>
                <td>{error.errorName}</td>
                <td class="num">{error.count}</td>
                <td class="num">{error.students}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
