/**
 * The WebSocket protocol of CONTRACT.md ("Realtime"): JSON text frames, one message each, with a
 * `type`. README.md documents every message; this file parses what clients send and builds what
 * the server sends (serialized once, then shared by every subscriber of a channel).
 *
 *   client → server   {"type":"auth","token"} first, then {"type":"subscribe","classId"} (the
 *                     instructor's class channel) or {"type":"subscribe","channel":"<kind>:<id>"},
 *                     the same two forms of unsubscribe, {"type":"ping"}
 *   server → client   authenticated, snapshot, class_aggregate, student_status, alert,
 *                     assignment_graded, assignment_returned, system_message, unsubscribed, pong, error
 */
import type { Alert, ClassAggregate, Notification, StudentStatus } from '@cellstream/schemas';
import type { Role } from '@cellstream/shared';
import { z } from 'zod';
import type { ErrorCode } from './errors.js';

const id = z.string().min(1).max(128);
const channelName = z.string().min(1).max(160);

const target = { classId: id.optional(), channel: channelName.optional() };

const clientMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('auth'), token: z.string().min(1) }),
  z.object({ type: z.literal('subscribe'), ...target }),
  z.object({ type: z.literal('unsubscribe'), ...target }),
  z.object({ type: z.literal('ping') }),
]);

/**
 * What a channel carries. `class` is the instructor's class channel (also reached by the older
 * `{"classId"}` form); the others are a student's own progress and notifications, and the
 * system messages of a class.
 */
export const channelKinds = ['class', 'progress', 'notifications', 'broadcast'] as const;
export type ChannelKind = (typeof channelKinds)[number];

/** A channel: its kind, the id after the colon (a classId or a userId) and its full name. */
export interface Channel {
  kind: ChannelKind;
  id: string;
  /** `<kind>:<id>`: also the uWS topic the channel is published on. */
  name: string;
}

export const channelOf = (kind: ChannelKind, channelId: string): Channel => ({
  kind,
  id: channelId,
  name: `${kind}:${channelId}`,
});

/** Parses `<kind>:<id>`; undefined when the kind is unknown or the id empty or too long. */
export function parseChannel(name: string): Channel | undefined {
  const colon = name.indexOf(':');
  if (colon < 0) return undefined;
  const kind = name.slice(0, colon) as ChannelKind;
  const rest = name.slice(colon + 1);
  if (!channelKinds.includes(kind) || !id.safeParse(rest).success) return undefined;
  return channelOf(kind, rest);
}

/**
 * A subscribe or unsubscribe target. `form` remembers how the client named it, so answers about
 * it (unsubscribed, error) carry the same field: `classId` for the older form, `channel` for the new.
 */
export interface Target {
  channel: Channel;
  form: 'classId' | 'channel';
}

export type ClientMessage =
  | { type: 'auth'; token: string }
  | { type: 'subscribe'; target: Target }
  | { type: 'unsubscribe'; target: Target }
  | { type: 'ping' };

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
  if (!result.success) {
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
  const message = result.data;
  if (message.type !== 'subscribe' && message.type !== 'unsubscribe') return { ok: true, message };
  if ((message.classId === undefined) === (message.channel === undefined)) {
    return { ok: false, reason: `Invalid ${message.type} message: give either classId or channel.` };
  }
  if (message.classId !== undefined) {
    return {
      ok: true,
      message: {
        type: message.type,
        target: { channel: channelOf('class', message.classId), form: 'classId' },
      },
    };
  }
  const channel = parseChannel(message.channel as string);
  if (!channel) {
    return {
      ok: false,
      reason: `Invalid ${message.type} message: channel must be class:<classId>, progress:<userId>, notifications:<userId> or broadcast:<classId>.`,
    };
  }
  return { ok: true, message: { type: message.type, target: { channel, form: 'channel' } } };
}

/** The instructor's class snapshot (the `classId` form, unchanged by the channels). */
export interface Snapshot {
  classId: string;
  aggregate: ClassAggregate | null;
  students: StudentStatus[];
  alerts: Alert[];
}

/** The kinds of notification streamed to clients (`unknown`, a kind newer than this reader, is not). */
export type NotificationType = Exclude<Notification['kind'], 'unknown'>;

/** Where a message about a target goes: `classId` or `channel`, as the client named it. */
const about = (target: Target) =>
  target.form === 'classId' ? { classId: target.channel.id } : { channel: target.channel.name };

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
  progressSnapshot: (channel: string, statuses: StudentStatus[]) =>
    JSON.stringify({ type: 'snapshot', channel, statuses }),
  notificationsSnapshot: (channel: string, notifications: Notification[]) =>
    JSON.stringify({ type: 'snapshot', channel, notifications }),
  classAggregate: (aggregate: ClassAggregate) => JSON.stringify({ type: 'class_aggregate', ...aggregate }),
  studentStatus: (status: StudentStatus) => JSON.stringify({ type: 'student_status', ...status }),
  /** A student's own status, on its progress channel. */
  progress: (channel: string, status: StudentStatus) =>
    JSON.stringify({ type: 'student_status', channel, ...status }),
  alert: (alert: Alert) => JSON.stringify({ type: 'alert', ...alert }),
  notification: (channel: string, notification: Notification) =>
    JSON.stringify({ type: notification.kind, channel, ...notification }),
  unsubscribed: (target: Target) => JSON.stringify({ type: 'unsubscribed', ...about(target) }),
  pong: () => '{"type":"pong"}',
  error: (code: ErrorCode, message: string, target?: Target) =>
    JSON.stringify({ type: 'error', code, message, ...(target ? about(target) : {}) }),
};
