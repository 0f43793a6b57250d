/** Text shown for values; everything here returns plain strings, rendered as text nodes. */

/** Cells are numbered from 1, as a person counts them (cellIndex is zero-based). */
export function cellLabel(cellIndex: number | null, cellId: string | null): string {
  if (cellIndex !== null && cellIndex >= 0) return `cell ${cellIndex + 1}`;
  if (cellId) return `cell ${cellId.length > 8 ? `${cellId.slice(0, 8)}…` : cellId}`;
  return '—';
}

export function notebookName(path: string | null): string {
  if (!path) return '—';
  const slash = path.lastIndexOf('/');
  return slash === -1 ? path : path.slice(slash + 1);
}

export function relativeTime(at: number | null, now: number): string {
  if (at === null) return 'never';
  const seconds = Math.round((now - at) / 1000);
  if (seconds < 5) return 'just now';
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  return `${Math.floor(hours / 24)} d ago`;
}

export function clockTime(at: number): string {
  return new Date(at).toLocaleTimeString(undefined, {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

export function formatCount(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : value.toLocaleString();
}
