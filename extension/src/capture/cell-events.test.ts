import { describe, expect, it } from 'vitest';
import { executionEvent, tracebackSummary } from './cell-events.js';

const context = { userId: 'ana', classId: '3', sessionId: 's-1' };
const cell = { notebookPath: 'week1/intro.ipynb', cellId: 'c-1', cellIndex: 2, code: '1/0' };

describe('executionEvent', () => {
  it('describes an error with its name, message and a colourless traceback summary', () => {
    const event = executionEvent(
      context,
      {
        ...cell,
        executionCount: 4,
        durationMs: 12.6,
        success: false,
        error: {
          errorName: 'ZeroDivisionError',
          errorValue: 'division by zero',
          traceback: [
            '\u001b[0;31mZeroDivisionError\u001b[0m  Traceback',
            '----> 1 1/0\n',
            'ZeroDivisionError: division by zero',
          ],
        },
      },
      { sendCode: true, sendOutputs: false },
    );
    expect(event).toMatchObject({
      eventType: 'cell_execution_error',
      userId: 'ana',
      classId: '3',
      sessionId: 's-1',
      cellType: 'code',
      hasError: true,
      errorName: 'ZeroDivisionError',
      errorMessage: 'division by zero',
      executionCount: 4,
      executionDurationMs: 13,
      code: '1/0',
      metadata: {
        traceback: 'ZeroDivisionError  Traceback\n----> 1 1/0\nZeroDivisionError: division by zero',
      },
    });
    expect(event.eventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number.isNaN(Date.parse(event.eventTime))).toBe(false);
  });

  it('leaves code and outputs out unless allowed', () => {
    const quiet = executionEvent(
      context,
      { ...cell, success: true, outputText: 'secret' },
      { sendCode: false, sendOutputs: false },
    );
    expect(quiet.eventType).toBe('cell_execution_complete');
    expect(quiet.code).toBeUndefined();
    expect(quiet.result).toBeUndefined();
    const open = executionEvent(
      context,
      { ...cell, success: true, outputText: 'out' },
      { sendCode: true, sendOutputs: true },
    );
    expect(open.result).toBe('out');
  });

  it('bounds code and outputs to ingest limits', () => {
    const big = executionEvent(
      context,
      { ...cell, code: 'x'.repeat(100_000), success: true, outputText: 'y'.repeat(50_000) },
      { sendCode: true, sendOutputs: true },
    );
    expect(big.code?.length).toBe(64 * 1024);
    expect(big.result?.length).toBe(16 * 1024);
  });

  it('keeps the last lines of a long traceback', () => {
    const summary = tracebackSummary(Array.from({ length: 40 }, (_, i) => `line ${i}`));
    expect(summary.split('\n')).toHaveLength(12);
    expect(summary.endsWith('line 39')).toBe(true);
  });
});
