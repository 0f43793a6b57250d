import { describe, expect, it } from 'vitest';
import { rosterEntry, status, T0 } from '../testing/fixtures';
import {
  attentionRows,
  buildRows,
  createRowBuilder,
  defaultView,
  type StudentRow,
  viewRows,
} from './students';

const statuses = new Map([
  ['ada', status('ada', { executions: 5, lastEventTime: T0 - 1_000 })],
  ['bob', status('bob', { status: 'stuck', consecutiveErrors: 3, errors: 3, lastErrorName: 'NameError' })],
  ['cy', status('cy', { status: 'idle', helpRequested: true, lastEventTime: T0 - 60_000 })],
  ['dee', status('dee', { status: 'erroring', errors: 1, executions: 9, notebookPath: 'a.ipynb' })],
]);
const roster = [
  rosterEntry('ada', 'Ada Lovelace'),
  rosterEntry('bob', 'Bob'),
  rosterEntry('cy', 'Cy'),
  rosterEntry('dee', 'Dee'),
  { ...rosterEntry('eve', 'Eve'), executions: 2, lastActivity: T0 - 3_600_000 },
];
const names = (rows: StudentRow[]) => rows.map((row) => row.userId);

describe('buildRows', () => {
  it('joins the roster with the live statuses; students without status have not started', () => {
    const rows = buildRows(roster, statuses);
    expect(names(rows)).toEqual(['ada', 'bob', 'cy', 'dee', 'eve']);
    const eve = rows.find((row) => row.userId === 'eve');
    expect(eve).toMatchObject({
      status: 'not_started',
      executions: 2,
      lastActivity: T0 - 3_600_000,
      attention: null,
    });
    expect(rows.find((row) => row.userId === 'ada')?.name).toBe('Ada Lovelace');
  });

  it('marks help requests before stuck students', () => {
    const rows = buildRows(roster, statuses);
    expect(rows.find((row) => row.userId === 'cy')?.attention).toBe('help');
    expect(rows.find((row) => row.userId === 'bob')?.attention).toBe('stuck');
    const { help, stuck } = attentionRows(rows);
    expect(names(help)).toEqual(['cy']);
    expect(names(stuck)).toEqual(['bob']);
  });

  it('lists students realtime knows that the roster does not', () => {
    const rows = buildRows(roster.slice(0, 1), statuses);
    expect(names(rows)).toEqual(['ada', 'bob', 'cy', 'dee']);
    expect(rows.find((row) => row.userId === 'bob')?.name).toBe('bob');
  });

  it('shows a status it does not know as unknown', () => {
    const rows = buildRows([], new Map([['x', status('x', { status: 'sleeping' as never })]]));
    expect(rows[0]?.status).toBe('unknown');
    const proto = buildRows([], new Map([['y', status('y', { status: 'constructor' as never })]]));
    expect(proto[0]?.status).toBe('unknown');
  });

  it('reuses the row objects of students that did not change', () => {
    const build = createRowBuilder();
    const first = build(roster, statuses);
    const changed = new Map(statuses);
    changed.set('ada', status('ada', { executions: 6 }));
    const second = build(roster, changed);
    expect(second[0]).not.toBe(first[0]);
    expect(second.slice(1)).toEqual(first.slice(1));
    for (let i = 1; i < second.length; i++) expect(second[i]).toBe(first[i]);
  });
});

describe('viewRows', () => {
  const rows = buildRows(roster, statuses);

  it('pins help requests, then stuck students, above the chosen sort', () => {
    expect(names(viewRows(rows, defaultView))).toEqual(['cy', 'bob', 'ada', 'dee', 'eve']);
    expect(names(viewRows(rows, { ...defaultView, sort: { key: 'name', direction: 'desc' } }))).toEqual([
      'cy',
      'bob',
      'eve',
      'dee',
      'ada',
    ]);
  });

  it('sorts without pinning when asked', () => {
    const view = {
      ...defaultView,
      pinAttention: false,
      sort: { key: 'executions' as const, direction: 'desc' as const },
    };
    expect(names(viewRows(rows, view))).toEqual(['dee', 'ada', 'eve', 'bob', 'cy']);
  });

  it('sorts by status, most worrying first, and by last activity, most recent first, missing last', () => {
    const unpinned = { ...defaultView, pinAttention: false };
    expect(names(viewRows(rows, { ...unpinned, sort: { key: 'status', direction: 'asc' } }))).toEqual([
      'bob',
      'dee',
      'ada',
      'cy',
      'eve',
    ]);
    const byActivity = viewRows(rows, { ...unpinned, sort: { key: 'lastActivity', direction: 'asc' } });
    expect(names(byActivity)[0]).toBe('bob');
    expect(names(byActivity).at(-1)).toBe('eve');
    const noActivity = buildRows([rosterEntry('zz')], new Map());
    const both = [...rows, ...noActivity];
    for (const direction of ['asc', 'desc'] as const) {
      expect(names(viewRows(both, { ...unpinned, sort: { key: 'lastActivity', direction } })).at(-1)).toBe(
        'zz',
      );
    }
  });

  it('filters by text (name, id, notebook, error, status) and by status', () => {
    expect(names(viewRows(rows, { ...defaultView, query: 'lovelace' }))).toEqual(['ada']);
    expect(names(viewRows(rows, { ...defaultView, query: 'nameerror' }))).toEqual(['bob']);
    expect(names(viewRows(rows, { ...defaultView, query: 'A.IPYNB' }))).toEqual(['dee']);
    expect(names(viewRows(rows, { ...defaultView, query: '  not started ' }))).toEqual(['eve']);
    expect(names(viewRows(rows, { ...defaultView, status: 'attention' }))).toEqual(['cy', 'bob']);
    expect(names(viewRows(rows, { ...defaultView, status: 'erroring' }))).toEqual(['dee']);
    expect(names(viewRows(rows, { ...defaultView, status: 'not_started' }))).toEqual(['eve']);
  });
});
