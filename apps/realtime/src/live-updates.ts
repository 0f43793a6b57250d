import type { Alert, ClassAggregate, Notification, StudentStatus } from '@cellstream/schemas';
import type { ClassStateStore } from './class-state.js';
import type { RecordMeta, StateRecordHandler } from './consumer.js';
import type { FanOut } from './fan-out.js';
import type { NotificationStore } from './notification-store.js';
import { channelOf, parseChannel, serverMessage } from './protocol.js';

/**
 * Applies each record to the state and publishes it to the channels it belongs to: an aggregate
 * and an alert to its class channel, a status to its class channel and to the student's progress
 * channel, a notification to the student's notifications channel (or, a system message for a
 * whole class, to the class's broadcast channel). A record older than the state held, or a
 * notification already seen, is neither applied nor published, so a client never sees a key go
 * backwards nor a notification twice. `published` observes the delay from the Kafka record's timestamp.
 */
export function liveUpdates(
  store: ClassStateStore,
  notifications: NotificationStore,
  fanOut: FanOut,
  published?: (meta: RecordMeta) => void,
): StateRecordHandler {
  return {
    classAggregate(aggregate: ClassAggregate, meta: RecordMeta) {
      if (!store.applyAggregate(aggregate)) return;
      fanOut.publish(channelOf('class', aggregate.classId).name, 'class_aggregate', aggregate.classId, () =>
        serverMessage.classAggregate(aggregate),
      );
      published?.(meta);
    },
    studentStatus(status: StudentStatus, meta: RecordMeta) {
      if (!store.applyStudentStatus(status)) return;
      const key = `${status.classId}/${status.userId}`;
      fanOut.publish(channelOf('class', status.classId).name, 'student_status', key, () =>
        serverMessage.studentStatus(status),
      );
      const progress = channelOf('progress', status.userId).name;
      fanOut.publish(progress, 'student_status', key, () => serverMessage.progress(progress, status));
      published?.(meta);
    },
    alert(alert: Alert, meta: RecordMeta) {
      if (!store.applyAlert(alert)) return;
      fanOut.publish(channelOf('class', alert.classId).name, 'alert', alert.alertId, () =>
        serverMessage.alert(alert),
      );
      published?.(meta);
    },
    notification(notification: Notification, meta: RecordMeta) {
      if (!notifications.apply(notification) || notification.kind === 'unknown') return;
      const channel =
        notification.userId !== null
          ? channelOf('notifications', notification.userId).name
          : notification.kind === 'system_message'
            ? channelOf('broadcast', notification.classId).name
            : undefined;
      if (channel === undefined) return;
      const kind = notification.kind;
      fanOut.publish(channel, kind, notification.notificationId, () =>
        serverMessage.notification(channel, notification),
      );
      published?.(meta);
    },
    aggregateDeleted(classId: string) {
      store.removeAggregate(classId);
    },
    studentStatusDeleted(classId: string, userId: string) {
      store.removeStudentStatus(classId, userId);
    },
  };
}

/** The serialized snapshot of a channel (by name), from the current state: what a subscribe is answered with. */
export function snapshotBuilder(
  store: ClassStateStore,
  notifications: NotificationStore,
): (channelName: string) => string {
  return (channelName) => {
    const channel = parseChannel(channelName);
    if (!channel) throw new Error(`not a channel name: ${channelName}`);
    switch (channel.kind) {
      case 'class':
        return serverMessage.snapshot(store.snapshot(channel.id));
      case 'progress':
        return serverMessage.progressSnapshot(channel.name, store.studentStatuses(channel.id));
      case 'notifications':
        return serverMessage.notificationsSnapshot(channel.name, notifications.forUser(channel.id));
      case 'broadcast':
        return serverMessage.notificationsSnapshot(channel.name, notifications.systemMessages(channel.id));
    }
  };
}
