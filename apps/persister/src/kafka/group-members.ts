import type { Logger } from '@cellstream/shared';
import type { Kafka } from 'kafkajs';
import type { PersisterConfig } from '../config.js';
import type { PersisterMetrics } from '../metrics.js';
import type { EventDecoder } from '../pipeline/decode.js';
import type { Sink } from '../pipeline/records.js';
import type { DeadLetterQueue } from './dead-letters.js';
import { GroupConsumer } from './group-consumer.js';

/**
 * CONSUMERS_PER_GROUP members of one group in this process. Each member is a kafkajs consumer
 * of its own, with its own fetch loop: kafkajs fetches again only when every batch of the
 * previous fetch is written, so with several members one fetches and decodes while another
 * writes, and a slow partition holds back only the partitions of its own member.
 */
export function createGroupMembers(options: {
  kafka: Kafka;
  config: PersisterConfig;
  groupId: string;
  sink: Sink;
  decode: EventDecoder;
  deadLetters: DeadLetterQueue;
  metrics: PersisterMetrics;
  logger: Logger;
}): GroupConsumer[] {
  const { config, groupId, metrics } = options;
  const members: GroupConsumer[] = [];
  const onAssignment = () =>
    metrics.assignedPartitions.set(
      { group: groupId },
      members.reduce((sum, member) => sum + member.assigned.length, 0),
    );
  for (let member = 0; member < config.CONSUMERS_PER_GROUP; member++) {
    members.push(
      new GroupConsumer({
        kafka: options.kafka,
        groupId,
        topic: config.EVENTS_TOPIC,
        sink: options.sink,
        decode: options.decode,
        deadLetters: options.deadLetters,
        metrics,
        logger: options.logger,
        member,
        onAssignment,
        settings: {
          sessionTimeoutMs: config.CONSUMER_SESSION_TIMEOUT_MS,
          heartbeatIntervalMs: config.CONSUMER_HEARTBEAT_INTERVAL_MS,
          maxWaitTimeMs: config.CONSUMER_MAX_WAIT_MS,
          maxBytes: config.CONSUMER_MAX_BYTES,
          maxBytesPerPartition: config.CONSUMER_MAX_BYTES_PER_PARTITION,
          partitionsConsumedConcurrently: config.CONSUMER_PARTITIONS_CONCURRENTLY,
        },
        retry: {
          initialDelayMs: config.RETRY_INITIAL_DELAY_MS,
          maxDelayMs: config.RETRY_MAX_DELAY_MS,
          heartbeatIntervalMs: config.CONSUMER_HEARTBEAT_INTERVAL_MS,
        },
      }),
    );
  }
  return members;
}
