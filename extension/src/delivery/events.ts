/**
 * The events of CONTRACT.md ("Event ingestion"), as the extension builds them. Ingest validates
 * them again; the limits here only keep an event under ingest's per-field caps, so one oversized
 * output never gets the whole event rejected.
 */
export const EVENT_TYPES = [
  'session_start',
  'session_end',
  'notebook_open',
  'notebook_save',
  'notebook_close',
  'cell_execution_start',
  'cell_execution_complete',
  'cell_execution_error',
  'kernel_restart',
  'kernel_interrupt',
  'help_request',
  'help_cancel',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

export interface LearningEvent {
  eventId: string;
  eventType: EventType;
  /** RFC 3339, when it happened in the browser. */
  eventTime: string;
  userId: string;
  classId?: string;
  sessionId?: string;
  notebookPath?: string;
  cellId?: string;
  cellIndex?: number;
  executionCount?: number;
  cellType?: 'code' | 'markdown' | 'raw';
  code?: string;
  hasError?: boolean;
  errorName?: string;
  errorMessage?: string;
  result?: string;
  executionDurationMs?: number;
  metadata?: Record<string, string>;
}

/** Ingest's caps, in characters (UTF-16 units; conservative for UTF-8 bytes of ASCII code). */
export const MAX_CODE_CHARS = 64 * 1024;
export const MAX_TEXT_CHARS = 16 * 1024;

/** Cuts `text` to `max` characters, marking the cut so nobody mistakes it for the whole. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const marker = '\n…[truncated]';
  return text.slice(0, max - marker.length) + marker;
}

/** A fresh event: a random UUID (idempotency key on the platform) and the browser's clock. */
export function newEvent(
  fields: Omit<LearningEvent, 'eventId' | 'eventTime'> & { eventTime?: string },
): LearningEvent {
  return { eventId: crypto.randomUUID(), eventTime: new Date().toISOString(), ...fields };
}
