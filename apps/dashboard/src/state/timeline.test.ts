import { describe, expect, it } from 'vitest';
import type { TimelineItem } from '../api/types';
import { latestErroringAttempts } from './timeline';

const item = (eventId: string, cellId: string, hasError: boolean): TimelineItem => ({
  eventId,
  eventType: hasError ? 'cell_execution_error' : 'cell_execution_complete',
  eventTime: '2026-01-01T00:00:00.000Z',
  notebookPath: 'intro.ipynb',
  cellId,
  executionCount: 1,
  code: `# ${eventId}`,
  codeTruncated: false,
  hasError,
  errorName: hasError ? 'NameError' : null,
  errorMessage: hasError ? 'x' : null,
  durationMs: 1,
});

describe('latestErroringAttempts', () => {
  it('picks the newest attempt of each cell that failed at least once, whatever its outcome', () => {
    // Newest first, as the timeline is.
    const items = [
      item('c2-fixed', 'c2', false),
      item('c3-failed-again', 'c3', true),
      item('c2-failed', 'c2', true),
      item('c1-ok', 'c1', false),
      item('c3-failed', 'c3', true),
    ];
    expect([...latestErroringAttempts(items)].sort()).toEqual(['c2-fixed', 'c3-failed-again']);
  });

  it('keeps cells of different notebooks apart', () => {
    const other = { ...item('other', 'c1', true), notebookPath: 'loops.ipynb' };
    expect([...latestErroringAttempts([item('ok', 'c1', false), other])]).toEqual(['other']);
  });
});
