import type { StudentState, StudentStatus } from '../realtime/messages';

/**
 * The student grid's rows: the roster (lms-api, every enrolled student) joined with the live
 * statuses (realtime). Pure functions; the grid sorts and filters what `buildRows` gives.
 */
export type RowStatus = StudentState | 'not_started';
export type Attention = 'help' | 'stuck' | null;

export interface RosterEntry {
  userId: string;
  displayName: string | null;
  executions: number;
  errors: number;
  /** ms since the epoch */
  lastActivity: number | null;
}

export interface StudentRow {
  userId: string;
  name: string;
  status: RowStatus;
  help: boolean;
  /** Help requests first, then stuck students: what is raised to the top. */
  attention: Attention;
  statusSince: number | null;
  notebookPath: string | null;
  cellId: string | null;
  cellIndex: number | null;
  lastActivity: number | null;
  executions: number;
  errors: number;
  consecutiveErrors: number;
  lastErrorName: string | null;
}

export type SortKey = 'name' | 'status' | 'notebook' | 'cell' | 'lastActivity' | 'executions' | 'errors';
export type SortDirection = 'asc' | 'desc';
export type StatusFilter = 'all' | 'attention' | RowStatus;

export interface ViewOptions {
  sort: { key: SortKey; direction: SortDirection };
  query: string;
  status: StatusFilter;
  /** Keep help requests and stuck students above everything else, whatever the sort. */
  pinAttention: boolean;
}

export const defaultView: ViewOptions = {
  sort: { key: 'name', direction: 'asc' },
  query: '',
  status: 'all',
  pinAttention: true,
};

export const statusLabels: Record<RowStatus, string> = {
  stuck: 'Stuck',
  erroring: 'Erroring',
  active: 'Active',
  idle: 'Idle',
  not_started: 'Not started',
  unknown: 'Unknown',
};

/** Most worrying first: the order of the status sort. */
const statusRank: Record<RowStatus, number> = {
  stuck: 0,
  erroring: 1,
  active: 2,
  idle: 3,
  unknown: 4,
  not_started: 5,
};

function toRow(
  entry: RosterEntry | undefined,
  status: StudentStatus | undefined,
  userId: string,
): StudentRow {
  const state: RowStatus = status
    ? Object.hasOwn(statusRank, status.status)
      ? status.status
      : 'unknown'
    : 'not_started';
  const help = status?.helpRequested === true;
  return {
    userId,
    name: entry?.displayName || userId,
    status: state,
    help,
    attention: help ? 'help' : state === 'stuck' ? 'stuck' : null,
    statusSince: status?.statusSince ?? null,
    notebookPath: status?.notebookPath ?? null,
    cellId: status?.cellId ?? null,
    cellIndex: status?.cellIndex ?? null,
    lastActivity: status?.lastEventTime ?? entry?.lastActivity ?? null,
    // Live counts when realtime knows the student; else what PostgreSQL had when the page loaded.
    executions: status?.executions ?? entry?.executions ?? 0,
    errors: status?.errors ?? entry?.errors ?? 0,
    consecutiveErrors: status?.consecutiveErrors ?? 0,
    lastErrorName: status?.lastErrorName ?? null,
  };
}

/**
 * A row builder that reuses the row object of a student whose roster entry and status have not
 * changed, so the grid re-renders only the rows that did (a frame with 3 updates in a class of
 * 500 touches 3 rows).
 */
export function createRowBuilder(): (
  roster: readonly RosterEntry[],
  statuses: ReadonlyMap<string, StudentStatus>,
) => StudentRow[] {
  const cache = new Map<
    string,
    { entry: RosterEntry | undefined; status: StudentStatus | undefined; row: StudentRow }
  >();
  return (roster, statuses) => {
    const rows: StudentRow[] = [];
    const seen = new Set<string>();
    const build = (userId: string, entry: RosterEntry | undefined) => {
      if (seen.has(userId)) return;
      seen.add(userId);
      const status = statuses.get(userId);
      const cached = cache.get(userId);
      if (cached && cached.entry === entry && cached.status === status) {
        rows.push(cached.row);
        return;
      }
      const row = toRow(entry, status, userId);
      cache.set(userId, { entry, status, row });
      rows.push(row);
    };
    for (const entry of roster) build(entry.userId, entry);
    // Students realtime knows but the roster does not (enrolled after the page loaded).
    for (const userId of statuses.keys()) build(userId, undefined);
    for (const userId of cache.keys()) if (!seen.has(userId)) cache.delete(userId);
    return rows;
  };
}

export const buildRows = (roster: readonly RosterEntry[], statuses: ReadonlyMap<string, StudentStatus>) =>
  createRowBuilder()(roster, statuses);

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

function compareNullable<T>(a: T | null, b: T | null, compare: (a: T, b: T) => number): number {
  if (a === null && b === null) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return compare(a, b);
}

const comparators: Record<SortKey, (a: StudentRow, b: StudentRow) => number> = {
  name: (a, b) => collator.compare(a.name, b.name),
  status: (a, b) => statusRank[a.status] - statusRank[b.status] || Number(b.help) - Number(a.help),
  notebook: (a, b) => compareNullable(a.notebookPath, b.notebookPath, collator.compare),
  cell: (a, b) =>
    compareNullable(a.notebookPath, b.notebookPath, collator.compare) ||
    compareNullable(a.cellIndex, b.cellIndex, (x, y) => x - y),
  lastActivity: (a, b) => compareNullable(a.lastActivity, b.lastActivity, (x, y) => y - x),
  executions: (a, b) => a.executions - b.executions,
  errors: (a, b) => a.errors - b.errors,
};

const attentionRank = (row: StudentRow) => (row.attention === 'help' ? 0 : row.attention === 'stuck' ? 1 : 2);

export function matchesFilter(row: StudentRow, query: string, status: StatusFilter): boolean {
  if (status === 'attention' && row.attention === null) return false;
  if (status !== 'all' && status !== 'attention' && row.status !== status) return false;
  const needle = query.trim().toLowerCase();
  if (!needle) return true;
  return [row.name, row.userId, row.notebookPath, row.lastErrorName, statusLabels[row.status]].some((text) =>
    text?.toLowerCase().includes(needle),
  );
}

/**
 * The rows to show: filtered, sorted by the chosen column (ties by name), with help requests and
 * then stuck students on top when `pinAttention` is on. Missing values sort last either way.
 */
export function viewRows(rows: readonly StudentRow[], options: ViewOptions): StudentRow[] {
  const compare = comparators[options.sort.key];
  const sign = options.sort.direction === 'asc' ? 1 : -1;
  return rows
    .filter((row) => matchesFilter(row, options.query, options.status))
    .sort(
      (a, b) =>
        (options.pinAttention ? attentionRank(a) - attentionRank(b) : 0) ||
        sortWithNullsLast(a, b, options.sort.key, compare, sign) ||
        collator.compare(a.name, b.name) ||
        collator.compare(a.userId, b.userId),
    );
}

function sortWithNullsLast(
  a: StudentRow,
  b: StudentRow,
  key: SortKey,
  compare: (a: StudentRow, b: StudentRow) => number,
  sign: number,
): number {
  const missing = (row: StudentRow) =>
    (key === 'notebook' || key === 'cell') && row.notebookPath === null
      ? 1
      : key === 'lastActivity' && row.lastActivity === null
        ? 1
        : 0;
  return missing(a) - missing(b) || sign * compare(a, b);
}

export function attentionRows(rows: readonly StudentRow[]): { help: StudentRow[]; stuck: StudentRow[] } {
  return {
    help: rows.filter((row) => row.attention === 'help'),
    stuck: rows.filter((row) => row.attention === 'stuck'),
  };
}
