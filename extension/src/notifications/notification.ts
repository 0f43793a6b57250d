/**
 * A notification for a student as realtime streams it (apps/realtime/README.md: the fields of
 * schemas/avro/Notification.avsc plus `type` and `channel`), checked on the way in: the socket
 * is a boundary, and a field this version does not know is ignored rather than trusted.
 */
export const notificationKinds = ['assignment_graded', 'assignment_returned', 'system_message'] as const;
export type NotificationKind = (typeof notificationKinds)[number];

export interface StudentNotification {
  notificationId: string;
  kind: NotificationKind;
  classId: string;
  /** The student it is for; null for a system message to the whole class. */
  userId: string | null;
  /** Milliseconds since the epoch. */
  createdAt: number;
  senderId: string | null;
  title: string;
  message: string;
  assignmentId: string | null;
  submissionId: string | null;
  score: number | null;
  maxScore: number | null;
}

const isKind = (value: unknown): value is NotificationKind =>
  typeof value === 'string' && (notificationKinds as readonly string[]).includes(value);
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const textOrNull = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const numberOrNull = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) ? value : null;

/** The notification in a realtime message, or undefined when it is not one this version shows. */
export function parseNotification(raw: unknown): StudentNotification | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const record = raw as Record<string, unknown>;
  const notificationId = text(record.notificationId);
  const classId = text(record.classId);
  const createdAt = numberOrNull(record.createdAt);
  if (!notificationId || !classId || createdAt === null || !isKind(record.kind)) return undefined;
  return {
    notificationId,
    kind: record.kind,
    classId,
    userId: textOrNull(record.userId),
    createdAt,
    senderId: textOrNull(record.senderId),
    title: text(record.title) ?? '',
    message: text(record.message) ?? '',
    assignmentId: textOrNull(record.assignmentId),
    submissionId: textOrNull(record.submissionId),
    score: numberOrNull(record.score),
    maxScore: numberOrNull(record.maxScore),
  };
}
