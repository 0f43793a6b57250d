import type {
  Alert,
  AvroRecordName,
  AvroRecords,
  ClassAggregate,
  LearningEvent,
  Notification,
  StudentStatus,
} from './generated/types.gen.js';

/**
 * Every Kafka topic of Cellstream, declared once: name, key, value schema,
 * cleanup and retention. `ensureTopics` creates them from this table, the serde
 * derives subjects from it, and `docs/topics.md` is generated from it.
 */

export type CleanupPolicy = 'delete' | 'compact';

/** Compatibility level of a topic's value subject in the schema registry (CONTRACT.md: BACKWARD). */
export type CompatibilityLevel = 'BACKWARD';

export interface TopicSpec {
  /** The topic name; versioned (`.v1`) so an incompatible change is a new topic, never a rewrite. */
  readonly name: string;
  /** What the topic is for, one sentence for docs/topics.md. */
  readonly description: string;
  /** What the UTF-8 string key is. The key decides the partition, hence ordering. */
  readonly key: string;
  /** The Avro record of the value, registered under `<topic>-value`; null when values are raw bytes. */
  readonly value: AvroRecordName | null;
  /** What the value is when `value` is null. */
  readonly valueDescription?: string;
  readonly cleanupPolicy: CleanupPolicy;
  /** How long records are kept (`retention.ms`); null for compacted topics, which keep the latest per key. */
  readonly retentionMs: number | null;
  /** Level of the value subject; null when there is no schema. */
  readonly compatibility: CompatibilityLevel | null;
  /** Further topic configs beyond cleanup, retention and min.insync.replicas, with the reason in a comment. */
  readonly extraConfig?: Readonly<Record<string, string>>;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * Compacted topics hold state that apps restore on start or rebalance. Rolling
 * a segment every hour lets the cleaner compact all but the last hour, so a
 * restore reads about one record per key instead of every update since the
 * default one-week roll.
 */
const compactedTopicConfig = { 'segment.ms': String(HOUR_MS), 'min.cleanable.dirty.ratio': '0.1' } as const;

export const topics = {
  learningEvents: {
    name: 'learning.events.v1',
    description: 'Every event accepted by ingest, one LearningEvent per record.',
    key: 'classId (userId when the event has no classId), so the events of a class stay in order on one partition',
    value: 'LearningEvent',
    cleanupPolicy: 'delete',
    retentionMs: 7 * DAY_MS,
    compatibility: 'BACKWARD',
  },
  classAggregates: {
    name: 'learning.class-aggregates.v1',
    description:
      "The latest aggregate of each class, produced by the aggregator; read it to know every class's state.",
    key: 'classId',
    value: 'ClassAggregate',
    cleanupPolicy: 'compact',
    retentionMs: null,
    compatibility: 'BACKWARD',
    extraConfig: compactedTopicConfig,
  },
  studentStatus: {
    name: 'learning.student-status.v1',
    description: 'The latest status of each student in each class, produced by the aggregator.',
    key: "classId/userId (the two ids joined by a slash); the record goes to the partition its classId hashes to, so a class's statuses share a partition with its aggregate",
    value: 'StudentStatus',
    cleanupPolicy: 'compact',
    retentionMs: null,
    compatibility: 'BACKWARD',
    extraConfig: compactedTopicConfig,
  },
  alerts: {
    name: 'learning.alerts.v1',
    description:
      'Alerts for instructors (a student stuck on errors, idle, asking for help), produced by the aggregator.',
    key: 'classId',
    value: 'Alert',
    cleanupPolicy: 'delete',
    retentionMs: 30 * DAY_MS,
    compatibility: 'BACKWARD',
  },
  notifications: {
    name: 'learning.notifications.v1',
    description:
      'Messages for students (a grade given or changed, a submission returned, a system message to a class), produced by lms-api.',
    key: 'classId',
    value: 'Notification',
    cleanupPolicy: 'delete',
    retentionMs: 30 * DAY_MS,
    compatibility: 'BACKWARD',
  },
  eventsDlq: {
    name: 'learning.events.dlq.v1',
    description:
      'Dead letters: records that could not be processed, kept for inspection and replay, with the reason in their headers.',
    key: 'the key of the original record, as received',
    value: null,
    valueDescription: 'the original bytes, unchanged (no schema of its own)',
    cleanupPolicy: 'delete',
    retentionMs: 30 * DAY_MS,
    compatibility: null,
  },
} as const satisfies Record<string, TopicSpec>;

export type TopicId = keyof typeof topics;
type TopicSpecs = (typeof topics)[TopicId];
export type TopicName = TopicSpecs['name'];
/** Topics whose values are Avro records. */
export type ValueTopicName = Extract<TopicSpecs, { value: AvroRecordName }>['name'];
/** The record type of a topic's values. */
export type TopicValue<T extends ValueTopicName> = AvroRecords[Extract<TopicSpecs, { name: T }>['value']];

/** All topics, in declaration order. */
export const topicList: readonly TopicSpec[] = Object.values(topics);

/** Topics with an Avro value, in declaration order. */
export const valueTopicList = topicList.filter(
  (spec): spec is TopicSpec & { value: AvroRecordName; compatibility: CompatibilityLevel } =>
    spec.value !== null,
);

export function topicSpec(name: string): TopicSpec | undefined {
  return topicList.find((spec) => spec.name === name);
}

/** The registry subject of a topic's values (Confluent's TopicNameStrategy). */
export function valueSubject(topicName: string): string {
  return `${topicName}-value`;
}

/** The key of each record, built in one place so that every producer agrees (UTF-8 strings). */
export const topicKeys = {
  learningEvent: (event: Pick<LearningEvent, 'classId' | 'userId'>): string => event.classId ?? event.userId,
  classAggregate: (aggregate: Pick<ClassAggregate, 'classId'>): string => aggregate.classId,
  studentStatus: (status: Pick<StudentStatus, 'classId' | 'userId'>): string =>
    `${status.classId}/${status.userId}`,
  alert: (alert: Pick<Alert, 'classId'>): string => alert.classId,
  notification: (notification: Pick<Notification, 'classId'>): string => notification.classId,
} as const;

/** Headers of a record in learning.events.dlq.v1. Values are UTF-8 strings. */
export const dlqHeaders = {
  reason: { name: 'dlq.reason', doc: 'Why the record could not be processed, readable by people.' },
  errorCode: { name: 'dlq.error.code', doc: 'The stable error code, e.g. SCHEMAS_CORRUPT_PAYLOAD.' },
  sourceTopic: { name: 'dlq.source.topic', doc: 'Topic the record was read from, or "http" for ingest.' },
  sourcePartition: { name: 'dlq.source.partition', doc: 'Partition it was read from (absent for ingest).' },
  sourceOffset: { name: 'dlq.source.offset', doc: 'Offset it was read from (absent for ingest).' },
  failedBy: {
    name: 'dlq.failed.by',
    doc: 'Service and consumer group that gave up on it, e.g. persister/persister-pg.',
  },
  failedAt: { name: 'dlq.failed.at', doc: 'When it was dead-lettered, RFC 3339.' },
} as const;

/** Partitions of every topic unless configured otherwise (`TOPIC_PARTITIONS`). */
export const DEFAULT_TOPIC_PARTITIONS = 6;

/** Replication factor for a cluster of `brokerCount` brokers: 3, or every broker when fewer. */
export function replicationFactorFor(brokerCount: number): number {
  return Math.max(1, Math.min(3, brokerCount));
}

/**
 * `min.insync.replicas` for a cluster of `brokerCount` brokers: 2, or 1 on a single broker.
 * With producers on acks=all, an acknowledged record is then on two brokers.
 */
export function minInsyncReplicasFor(brokerCount: number): number {
  return Math.max(1, Math.min(2, brokerCount));
}

/** The topic-level configs a topic must have, as Kafka config entries. */
export function topicConfig(spec: TopicSpec, brokerCount: number): Record<string, string> {
  const config: Record<string, string> = {
    'cleanup.policy': spec.cleanupPolicy,
    'min.insync.replicas': String(minInsyncReplicasFor(brokerCount)),
  };
  if (spec.retentionMs !== null) config['retention.ms'] = String(spec.retentionMs);
  return { ...config, ...spec.extraConfig };
}
