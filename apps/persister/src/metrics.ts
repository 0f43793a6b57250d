import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type PersisterMetrics = ReturnType<typeof registerPersisterMetrics>;

/** The persister's metrics; every series carries the consumer group, so both groups share them. */
export function registerPersisterMetrics(registry: Registry) {
  const registers = [registry];
  return {
    lag: new Gauge({
      name: 'persister_consumer_lag',
      help: 'Records of the input partition not yet committed by the group (high watermark minus committed offset).',
      labelNames: ['group', 'partition'],
      registers,
    }),
    assignedPartitions: new Gauge({
      name: 'persister_assigned_partitions',
      help: 'Input partitions assigned to this instance, by group.',
      labelNames: ['group'],
      registers,
    }),
    pausedPartitions: new Gauge({
      name: 'persister_paused_partitions',
      help: 'Partitions paused while a transient failure is retried.',
      labelNames: ['group'],
      registers,
    }),
    rowsWritten: new Counter({
      name: 'persister_rows_written_total',
      help: 'Rows newly inserted (PostgreSQL, by table) or points written (InfluxDB, by measurement: student_progress, class_activity, class_activity_1m).',
      labelNames: ['group', 'table'],
      registers,
    }),
    records: new Counter({
      name: 'persister_records_total',
      help: 'Input records handled, by outcome: stored, skipped (unknown event type) or dead_lettered.',
      labelNames: ['group', 'outcome'],
      registers,
    }),
    retries: new Counter({
      name: 'persister_retries_total',
      help: 'Retries of a batch step after a transient failure, by dependency.',
      labelNames: ['group', 'dependency'],
      registers,
    }),
    deadLetters: new Counter({
      name: 'persister_dead_letters_total',
      help: 'Records sent to the dead-letter topic, by error code.',
      labelNames: ['group', 'code'],
      registers,
    }),
    batchDuration: new Histogram({
      name: 'persister_batch_duration_seconds',
      help: 'Time from receiving a batch to committing its offsets, retries included.',
      labelNames: ['group'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    batchSize: new Histogram({
      name: 'persister_batch_records',
      help: 'Records per batch.',
      labelNames: ['group'],
      buckets: [1, 10, 100, 500, 1_000, 2_500, 5_000, 10_000, 25_000],
      registers,
    }),
  };
}
