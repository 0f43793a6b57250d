import type { StudentRow } from './students';
import { statusLabels } from './students';

/**
 * The class table as CSV (RFC 4180: CRLF line ends, fields quoted when they hold a comma, quote,
 * line break or edge spaces, quotes doubled). Fields a spreadsheet would run as a formula
 * (starting with = + - @ or a tab/CR) get a leading apostrophe: names and notebook paths come
 * from students and must not become formulas in the instructor's spreadsheet.
 */
export function csvField(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvLine(values: readonly (string | number | boolean | null | undefined)[]): string {
  return values.map(csvField).join(',');
}

export const csvColumns = [
  'userId',
  'name',
  'status',
  'helpRequested',
  'notebook',
  'cell',
  'lastActivity',
  'executions',
  'errors',
  'consecutiveErrors',
  'lastError',
] as const;

export function rowsToCsv(rows: readonly StudentRow[]): string {
  const lines = [csvLine(csvColumns)];
  for (const row of rows) {
    lines.push(
      csvLine([
        row.userId,
        row.name,
        statusLabels[row.status],
        row.help,
        row.notebookPath,
        row.cellIndex === null ? null : row.cellIndex + 1,
        row.lastActivity === null ? null : new Date(row.lastActivity).toISOString(),
        row.executions,
        row.errors,
        row.consecutiveErrors,
        row.lastErrorName,
      ]),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}

export function csvFileName(classCode: string, at: Date): string {
  const safe = classCode.replace(/[^A-Za-z0-9_.-]+/g, '_') || 'class';
  const stamp = at.toISOString().slice(0, 16).replace(/[:T]/g, '-');
  return `${safe}-students-${stamp}.csv`;
}
