import type { Alert, ClassAggregate, StudentStatus } from '@cellstream/schemas';
import type { ClassStateStore } from './class-state.js';
import type { RecordMeta, StateRecordHandler } from './consumer.js';
import type { FanOut } from './fan-out.js';
import { serverMessage } from './protocol.js';

/**
 * Applies each record to the class state and publishes it to the class's subscribers. A record
 * older than the state held is neither applied nor published, so a client never sees a key go
 * backwards. `published` observes the delay from the Kafka record's timestamp.
 */
export function liveUpdates(
  store: ClassStateStore,
  fanOut: FanOut,
  published?: (meta: RecordMeta) => void,
): StateRecordHandler {
  return {
    classAggregate(aggregate: ClassAggregate, meta: RecordMeta) {
      if (!store.applyAggregate(aggregate)) return;
      fanOut.publish(aggregate.classId, 'class_aggregate', aggregate.classId, () =>
        serverMessage.classAggregate(aggregate),
      );
      published?.(meta);
    },
    studentStatus(status: StudentStatus, meta: RecordMeta) {
      if (!store.applyStudentStatus(status)) return;
      fanOut.publish(status.classId, 'student_status', status.userId, () =>
        serverMessage.studentStatus(status),
      );
      published?.(meta);
    },
    alert(alert: Alert, meta: RecordMeta) {
      if (!store.applyAlert(alert)) return;
      fanOut.publish(alert.classId, 'alert', alert.alertId, () => serverMessage.alert(alert));
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
