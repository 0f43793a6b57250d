import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';

/** An HTTP event of CONTRACT.md with every field set; override what a test is about. */
export function fullEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    eventId: randomUUID(),
    eventType: 'cell_execution_error',
    eventTime: '2025-01-13T09:30:00.123Z',
    userId: 'alice',
    classId: '42',
    sessionId: 'session-1',
    notebookPath: 'week1/intro.ipynb',
    cellId: 'c-3',
    cellIndex: 3,
    executionCount: 7,
    cellType: 'code',
    code: 'print(x)',
    hasError: true,
    errorName: 'NameError',
    errorMessage: "name 'x' is not defined",
    result: 'Traceback...',
    executionDurationMs: 12.5,
    metadata: { extensionVersion: '0.1.0', kernel: 'python3' },
    ...overrides,
  };
}

/** The fewest fields an event may have. */
export function minimalEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    eventId: randomUUID(),
    eventType: 'session_start',
    eventTime: '2025-01-13T09:30:00Z',
    userId: 'alice',
    ...overrides,
  };
}

export function json(body: unknown): { payload: string; headers: Record<string, string> } {
  return { payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } };
}

export function gzipJson(body: unknown): { payload: Buffer; headers: Record<string, string> } {
  return {
    payload: gzipSync(JSON.stringify(body)),
    headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
  };
}
