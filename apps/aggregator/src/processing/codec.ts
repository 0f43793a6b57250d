import type { Alert, ClassAggregate, StudentStatus, TopicSerde } from '@cellstream/schemas';
import type { AggregatedEvent } from '../rules/class-event.js';
import type { ProjectedEventDecoder } from './event-decoder.js';

/** Avro in the Confluent wire format, for the four topics the aggregator reads and writes. */
export interface RecordCodec {
  /** The event's fields the rules use (see event-decoder.ts). */
  decodeEvent(value: Buffer): Promise<AggregatedEvent>;
  encodeAggregate(record: ClassAggregate): Promise<Buffer>;
  encodeStatus(record: StudentStatus): Promise<Buffer>;
  encodeAlert(record: Alert): Promise<Buffer>;
}

/**
 * The codec over the schemas package's serdes (one per output topic, since each topic may have
 * its own prefix) and the projecting decoder of events.
 */
export function serdeCodec(
  events: ProjectedEventDecoder,
  serdes: { aggregates: TopicSerde; statuses: TopicSerde; alerts: TopicSerde },
): RecordCodec {
  return {
    decodeEvent: (value) => events.decode(value),
    encodeAggregate: (record) => serdes.aggregates.encode('learning.class-aggregates.v1', record),
    encodeStatus: (record) => serdes.statuses.encode('learning.student-status.v1', record),
    encodeAlert: (record) => serdes.alerts.encode('learning.alerts.v1', record),
  };
}
