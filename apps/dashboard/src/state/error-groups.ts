import type { TimelineItem } from '../api/types';
import { cellLabel, notebookName } from './format';
import type { StudentRow } from './students';

/**
 * Errors grouped across the class: students whose latest execution failed (erroring or stuck),
 * grouped by exception class and cell, biggest group first. "12 students hit NameError in
 * cell 4" tells an instructor what to explain to the whole room.
 */
export interface ErrorGroup {
  key: string;
  errorName: string;
  notebookPath: string | null;
  cellId: string | null;
  cellIndex: number | null;
  students: StudentRow[];
}

export function groupErrors(rows: readonly StudentRow[]): ErrorGroup[] {
  const groups = new Map<string, ErrorGroup>();
  for (const row of rows) {
    if ((row.status !== 'erroring' && row.status !== 'stuck') || !row.lastErrorName) continue;
    const key = JSON.stringify([row.lastErrorName, row.notebookPath, row.cellId ?? row.cellIndex]);
    let group = groups.get(key);
    if (!group) {
      group = {
        key,
        errorName: row.lastErrorName,
        notebookPath: row.notebookPath,
        cellId: row.cellId,
        cellIndex: row.cellIndex,
        students: [],
      };
      groups.set(key, group);
    }
    group.students.push(row);
  }
  return [...groups.values()].sort(
    (a, b) =>
      b.students.length - a.students.length ||
      a.errorName.localeCompare(b.errorName) ||
      (a.cellIndex ?? Number.MAX_SAFE_INTEGER) - (b.cellIndex ?? Number.MAX_SAFE_INTEGER),
  );
}

export function describeGroup(group: ErrorGroup): string {
  const who = group.students.length === 1 ? '1 student' : `${group.students.length} students`;
  const where = cellLabel(group.cellIndex, group.cellId);
  const place = where === '—' ? '' : ` in ${where}`;
  const notebook = group.notebookPath ? ` of ${notebookName(group.notebookPath)}` : '';
  return `${who} hit ${group.errorName}${place}${notebook}`;
}

/**
 * A student's latest attempt at the group's cell in a timeline page (newest first): the newest
 * execution of that cell, or, when the cell is unknown, the newest error of that name.
 */
export function latestAttempt(items: readonly TimelineItem[], group: ErrorGroup): TimelineItem | undefined {
  if (group.cellId !== null) {
    const sameCell = items.find(
      (item) =>
        item.cellId === group.cellId &&
        (group.notebookPath === null || item.notebookPath === group.notebookPath),
    );
    if (sameCell) return sameCell;
  }
  return items.find((item) => item.hasError && item.errorName === group.errorName);
}
