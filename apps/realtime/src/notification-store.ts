import type { Notification } from '@cellstream/schemas';

export interface NotificationStoreOptions {
  /** Recent notifications kept per student (NOTIFICATIONS_PER_USER). */
  perUser: number;
  /** Recent system messages kept per class (SYSTEM_MESSAGES_PER_CLASS). */
  perClass: number;
  /** notificationIds remembered for deduplication (a bounded window, oldest forgotten first). */
  dedupeWindow?: number;
}

/**
 * The recent notifications of every student and system messages of every class, newest last:
 * what a subscribe to `notifications:<userId>` or `broadcast:<classId>` is answered with. Rebuilt
 * at start from a bounded lookback of learning.notifications.v1 (NOTIFICATION_LOOKBACK_MS).
 *
 * The topic is at-least-once (lms-api may write a notification twice after a retry), so each
 * notificationId is applied once: the ids of the last `dedupeWindow` notifications are remembered,
 * far more than a redelivery can lag behind.
 */
export class NotificationStore {
  private readonly byUser = new Map<string, Notification[]>();
  private readonly byClass = new Map<string, Notification[]>();
  private readonly seen = new Set<string>();
  private readonly dedupeWindow: number;

  constructor(private readonly options: NotificationStoreOptions) {
    this.dedupeWindow = options.dedupeWindow ?? 100_000;
  }

  /** Keeps a notification; false for one already seen (a redelivery) or of an unknown kind. */
  apply(notification: Notification): boolean {
    if (this.seen.has(notification.notificationId)) return false;
    this.seen.add(notification.notificationId);
    if (this.seen.size > this.dedupeWindow) {
      // A Set iterates in insertion order: the first is the oldest.
      for (const oldest of this.seen) {
        this.seen.delete(oldest);
        break;
      }
    }
    if (notification.kind === 'unknown') return false;
    if (notification.userId !== null) {
      keep(this.byUser, notification.userId, notification, this.options.perUser);
    } else if (notification.kind === 'system_message') {
      keep(this.byClass, notification.classId, notification, this.options.perClass);
    }
    return true;
  }

  /** The student's recent notifications, newest last. */
  forUser(userId: string): Notification[] {
    return [...(this.byUser.get(userId) ?? [])];
  }

  /** The class's recent system messages, newest last. */
  systemMessages(classId: string): Notification[] {
    return [...(this.byClass.get(classId) ?? [])];
  }

  /** Notifications and system messages held, for metrics. */
  size(): { notifications: number; systemMessages: number } {
    let notifications = 0;
    for (const list of this.byUser.values()) notifications += list.length;
    let systemMessages = 0;
    for (const list of this.byClass.values()) systemMessages += list.length;
    return { notifications, systemMessages };
  }
}

/** Appends in `createdAt` order (a late redelivery of an older one lands in its place), bounded. */
function keep(lists: Map<string, Notification[]>, key: string, notification: Notification, bound: number) {
  if (bound === 0) return;
  let list = lists.get(key);
  if (!list) {
    list = [];
    lists.set(key, list);
  }
  let at = list.length;
  while (at > 0 && (list[at - 1] as Notification).createdAt > notification.createdAt) at--;
  list.splice(at, 0, notification);
  if (list.length > bound) list.splice(0, list.length - bound);
}
