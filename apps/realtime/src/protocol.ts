/**
 * The WebSocket protocol of CONTRACT.md ("Realtime"): JSON text frames, one message each, with a
 * `type`. README.md documents every message; this file parses what clients send and builds what
 * the server sends (serialized once, then shared by every subscriber of a class).
 *
 *   client → server   {"type":"auth","token"} first, then {"type":"subscribe","classId"},
 *                     {"type":"unsubscribe","classId"}, {"type":"ping"}
 *   server → client   authenticated, snapshot, class_aggregate, student_status, alert,
 *                     unsubscribed, pong, error
 */
import type { Alert, ClassAggregate, StudentStatus } from '@cellstream/schemas';
import type { Role } from '@cellstream/shared';
import { z } from 'zod';
import type { ErrorCode } from './errors.js';

const classId = z.string().min(1).max(128);

const clientMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('auth'), token: z.string().min(1) }),
  z.object({ type: z.literal('subscribe'), classId }),
  z.object({ type: z.literal('unsubscribe'), classId }),
  z.object({ type: z.literal('ping') }),
]);

export type ClientMessage = z.infer<typeof clientMessageSchema>;

export type ParsedClientMessage = { ok: true; message: ClientMessage } | { ok: false; reason: string };

/** Parses one text frame. Unknown fields are ignored, so clients may add their own (e.g. an id). */
export function parseClientMessage(text: string): ParsedClientMessage {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'The message is not JSON.' };
  }
  const result = clientMessageSchema.safeParse(json);
  if (result.success) return { ok: true, message: result.data };
  const type = (json as { type?: unknown } | null)?.type;
  if (typeof type !== 'string' || !['auth', 'subscribe', 'unsubscribe', 'ping'].includes(type)) {
    return {
      ok: false,
      reason: 'Unknown message type: send auth, subscribe, unsubscribe or ping.',
    };
  }
  const problems = result.error.issues.map(
    (issue) => `${issue.path.join('.') || 'message'}: ${issue.message}`,
  );
  return { ok: false, reason: `Invalid ${type} message: ${problems.join('; ')}` };
}

export interface Snapshot {
  classId: string;
  aggregate: ClassAggregate | null;
  students: StudentStatus[];
  alerts: Alert[];
}

/** What the server sends, serialized. */
export const serverMessage = {
  authenticated: (claims: { sub: string; role: Role; classes: string[]; exp?: number }) =>
    JSON.stringify({
      type: 'authenticated',
      userId: claims.sub,
      role: claims.role,
      classes: claims.classes,
      expiresAt: claims.exp === undefined ? null : claims.exp * 1000,
    }),
  snapshot: (snapshot: Snapshot) => JSON.stringify({ type: 'snapshot', ...snapshot }),
  classAggregate: (aggregate: ClassAggregate) => JSON.stringify({ type: 'class_aggregate', ...aggregate }),
  studentStatus: (status: StudentStatus) => JSON.stringify({ type: 'student_status', ...status }),
  alert: (alert: Alert) => JSON.stringify({ type: 'alert', ...alert }),
  unsubscribed: (classId: string) => JSON.stringify({ type: 'unsubscribed', classId }),
  pong: () => '{"type":"pong"}',
  error: (code: ErrorCode, message: string, classId?: string) =>
    JSON.stringify(
      classId === undefined ? { type: 'error', code, message } : { type: 'error', code, message, classId },
    ),
};
