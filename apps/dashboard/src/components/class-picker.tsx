import { useEffect, useState } from 'preact/hooks';
import type { ApiClient } from '../api/client';
import type { ClassDto } from '../api/types';
import { routeHref } from '../routing';

interface Props {
  api: ApiClient;
  onOpen: (classId: string) => void;
}

/** The classes the instructor may watch (an admin sees every class). */
export function ClassPicker({ api, onOpen }: Props) {
  const [classes, setClasses] = useState<ClassDto[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let cancelled = false;
    api.classes().then(
      (list) => !cancelled && setClasses(list),
      (caught: Error) => !cancelled && setError(caught.message),
    );
    return () => {
      cancelled = true;
    };
  }, [api]);

  return (
    <main id="main" class="picker">
      <h1>Your classes</h1>
      {error && (
        <p class="error-text" role="alert">
          Could not load the classes: {error}
        </p>
      )}
      {classes === null && !error && <p class="muted">Loading…</p>}
      {classes?.length === 0 && <p class="empty">You have no classes yet.</p>}
      <ul class="class-list">
        {classes?.map((item) => {
          const href = routeHref({ page: 'class', classId: String(item.id), student: null });
          return (
            <li key={item.id}>
              <a
                href={href}
                class="class-card"
                onClick={(event) => {
                  if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
                  event.preventDefault();
                  onOpen(String(item.id));
                }}
              >
                <strong>{item.name}</strong>
                <span class="muted"> {item.class_code}</span>
                {item.description && <span class="class-description">{item.description}</span>}
              </a>
            </li>
          );
        })}
      </ul>
    </main>
  );
}
