import type { TimelineItem } from '../api/types';

/**
 * The newest attempt at each cell that failed at least once in the loaded timeline (newest first):
 * its code is what the instructor wants to read; older attempts would repeat it.
 */
export function latestErroringAttempts(items: readonly TimelineItem[]): Set<string> {
  const latest = new Map<string, TimelineItem>();
  const erroring = new Set<string>();
  for (const item of items) {
    const cell = `${item.notebookPath ?? ''}\u0000${item.cellId ?? ''}`;
    if (!latest.has(cell)) latest.set(cell, item);
    if (item.hasError) erroring.add(cell);
  }
  return new Set([...latest].filter(([cell]) => erroring.has(cell)).map(([, item]) => item.eventId));
}
