import { useEffect, useRef, useState } from 'preact/hooks';
import type { ApiClient } from '../api/client';
import type { TimelineItem } from '../api/types';
import { type ErrorGroup, latestAttempt } from '../state/error-groups';
import { clockTime } from '../state/format';
import { CodeBlock } from './code-block';
import { Icon } from './icon';

/** Students whose latest attempt is fetched when a group opens (the rest are listed by name). */
const MAX_FETCHED = 30;
const RETRIES = 5;
const RETRY_MS = 1_000;

type Attempt =
  | { state: 'loading' }
  | { state: 'done'; item: TimelineItem | undefined }
  | { state: 'failed'; message: string };

interface Props {
  api: ApiClient;
  classId: string;
  group: ErrorGroup;
  onOpenStudent: (userId: string) => void;
}

/** Each student's latest attempt at the group's cell, from their timeline: the code and error as text. */
export function ErrorGroupDetail({ api, classId, group, onOpenStudent }: Props) {
  const [attempts, setAttempts] = useState<Record<string, Attempt>>({});
  const fetched = group.students.slice(0, MAX_FETCHED);
  // Refetched when the students or their error counts change (a new failed attempt), not on
  // every frame: `group` is a new object whenever any student changes.
  const wanted = fetched.map((row) => `${row.userId}\t${row.errors}`).join('\n');
  const latestGroup = useRef(group);
  latestGroup.current = group;

  useEffect(() => {
    let cancelled = false;
    const timers: ReturnType<typeof setTimeout>[] = [];
    const settle = (userId: string, attempt: Attempt) => {
      if (!cancelled) setAttempts((current) => ({ ...current, [userId]: attempt }));
    };
    const load = (userId: string, tries: number) => {
      api
        .timeline(classId, userId, { limit: 20 })
        .then((page) => {
          const item = latestAttempt(page.items, latestGroup.current);
          // The persister may not have written the attempt yet: look again shortly.
          if (!item && tries < RETRIES && !cancelled) {
            timers.push(setTimeout(() => load(userId, tries + 1), RETRY_MS));
            return;
          }
          settle(userId, { state: 'done', item });
        })
        .catch((error: Error) => settle(userId, { state: 'failed', message: error.message }));
    };
    for (const line of wanted.split('\n').filter(Boolean)) {
      const userId = line.split('\t')[0] ?? '';
      setAttempts((current) => ({ ...current, [userId]: current[userId] ?? { state: 'loading' } }));
      load(userId, 0);
    }
    return () => {
      cancelled = true;
      for (const timer of timers) clearTimeout(timer);
    };
  }, [api, classId, wanted]);

  return (
    <ol class="attempts">
      {fetched.map((row) => {
        const attempt = attempts[row.userId] ?? { state: 'loading' };
        return (
          <li key={row.userId} class="attempt" data-user-id={row.userId}>
            <div class="attempt-head">
              <button type="button" class="link-button" onClick={() => onOpenStudent(row.userId)}>
                {row.name}
              </button>
              {attempt.state === 'done' && attempt.item && (
                <span class="muted"> at {clockTime(Date.parse(attempt.item.eventTime))}</span>
              )}
            </div>
            {attempt.state === 'loading' && <p class="muted">Loading the latest attempt…</p>}
            {attempt.state === 'failed' && (
              <p class="error-text">Could not load the attempt: {attempt.message}</p>
            )}
            {attempt.state === 'done' && !attempt.item && (
              <p class="muted">The attempt is not stored yet (the persister may still be writing it).</p>
            )}
            {attempt.state === 'done' && attempt.item && <AttemptBody item={attempt.item} />}
          </li>
        );
      })}
      {group.students.length > fetched.length && (
        <li class="muted">and {group.students.length - fetched.length} more students</li>
      )}
    </ol>
  );
}

function AttemptBody({ item }: { item: TimelineItem }) {
  return (
    <div class="attempt-body">
      {item.code ? <CodeBlock label="Code" text={item.code} tone="source" /> : null}
      {item.hasError ? (
        <CodeBlock
          label="Error"
          text={`${item.errorName ?? 'Error'}: ${item.errorMessage ?? ''}`}
          tone="error"
        />
      ) : (
        <p>
          <Icon name="check" /> Ran without error
          {item.executionCount === null ? '' : ` (In [${item.executionCount}])`}.
        </p>
      )}
    </div>
  );
}
