import { randomUUID } from 'node:crypto';
import { type Database, notificationOutbox } from '@cellstream/db';
import { avroType, type Notification, topicKeys } from '@cellstream/schemas';
import { sql } from 'drizzle-orm';

/**
 * The write side of the transactional outbox. A route calls `enqueueNotification` inside the
 * same `db.transaction` as the change it announces, so the notification exists exactly when the
 * change does; the relay (`relay.ts`) publishes it to Kafka afterwards. The HTTP answer never
 * waits for Kafka.
 */

/** The PostgreSQL channel the relay LISTENs on; NOTIFY is delivered only when the transaction commits. */
export const OUTBOX_CHANNEL = 'cellstream_notification_outbox';

/** A transaction of `db.transaction` (the same query API as the database). */
export type Tx = Parameters<Parameters<Database['transaction']>[0]>[0];

export type NotificationInput = Omit<Notification, 'notificationId' | 'createdAt'> & { createdAt?: Date };

export async function enqueueNotification(tx: Tx, input: NotificationInput): Promise<Notification> {
  const { createdAt, ...fields } = input;
  const notification: Notification = {
    ...fields,
    notificationId: randomUUID(),
    createdAt: (createdAt ?? new Date()).getTime(),
  };
  // Checked here, not only when the relay encodes it: a record the schema refuses would sit at
  // the head of the outbox forever. Failing now rolls the change back with a 500 instead.
  const type = avroType('Notification');
  const invalid: string[] = [];
  if (!type.isValid(notification, { errorHook: (path) => invalid.push(path.join('.')) })) {
    throw new Error(`Not a valid Notification: ${invalid.join(', ')}`);
  }
  await tx.insert(notificationOutbox).values({
    notificationId: notification.notificationId,
    key: topicKeys.notification(notification),
    payload: notification as unknown as Record<string, unknown>,
  });
  await tx.execute(sql`SELECT pg_notify(${OUTBOX_CHANNEL}, '')`);
  return notification;
}
