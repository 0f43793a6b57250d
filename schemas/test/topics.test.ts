import { describe, expect, it } from 'vitest';
import {
  avroRecordNames,
  DEFAULT_TOPIC_PARTITIONS,
  minInsyncReplicasFor,
  replicationFactorFor,
  topicConfig,
  topicKeys,
  topicList,
  topics,
  valueSubject,
  valueTopicList,
} from '../src/index.js';

const DAY = 86_400_000;

describe('topics.ts', () => {
  it('declares the contract topics with their values and cleanup', () => {
    expect(topicList.map((spec) => [spec.name, spec.value, spec.cleanupPolicy])).toEqual([
      ['learning.events.v1', 'LearningEvent', 'delete'],
      ['learning.class-aggregates.v1', 'ClassAggregate', 'compact'],
      ['learning.student-status.v1', 'StudentStatus', 'compact'],
      ['learning.alerts.v1', 'Alert', 'delete'],
      ['learning.notifications.v1', 'Notification', 'delete'],
      ['learning.events.dlq.v1', null, 'delete'],
    ]);
    expect(topics.learningEvents.retentionMs).toBe(7 * DAY);
    expect(topics.alerts.retentionMs).toBe(30 * DAY);
    expect(topics.notifications.retentionMs).toBe(30 * DAY);
    expect(topics.eventsDlq.retentionMs).toBe(30 * DAY);
  });

  it('gives every Avro record a topic, and every value topic BACKWARD compatibility', () => {
    expect(valueTopicList.map((spec) => spec.value).sort()).toEqual([...avroRecordNames].sort());
    for (const spec of valueTopicList) expect(spec.compatibility).toBe('BACKWARD');
    expect(valueSubject('learning.events.v1')).toBe('learning.events.v1-value');
  });

  it('derives replication from the broker count', () => {
    expect([1, 2, 3, 5].map(replicationFactorFor)).toEqual([1, 2, 3, 3]);
    expect([1, 2, 3, 5].map(minInsyncReplicasFor)).toEqual([1, 2, 2, 2]);
    expect(DEFAULT_TOPIC_PARTITIONS).toBe(6);
  });

  it('builds the keys the contract names', () => {
    expect(topicKeys.learningEvent({ classId: '42', userId: 'alice' })).toBe('42');
    expect(topicKeys.learningEvent({ classId: null, userId: 'alice' })).toBe('alice');
    expect(topicKeys.studentStatus({ classId: '42', userId: 'alice' })).toBe('42/alice');
    expect(topicKeys.classAggregate({ classId: '42' })).toBe('42');
    expect(topicKeys.alert({ classId: '42' })).toBe('42');
  });

  it('turns a spec into topic configs', () => {
    expect(topicConfig(topics.learningEvents, 1)).toEqual({
      'cleanup.policy': 'delete',
      'min.insync.replicas': '1',
      'retention.ms': String(7 * DAY),
    });
    const compacted = topicConfig(topics.classAggregates, 3);
    expect(compacted['cleanup.policy']).toBe('compact');
    expect(compacted['min.insync.replicas']).toBe('2');
    expect(compacted['retention.ms']).toBeUndefined();
  });
});
