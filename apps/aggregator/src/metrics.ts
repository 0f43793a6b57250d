import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The aggregator's own metrics, next to the default process metrics of `createMetricsRegistry`. */
export interface AggregatorMetrics {
  /** Input records by outcome: counted, duplicate, late (counted in totals only), skipped, replayed, dead_lettered. */
  events: Counter<'outcome'>;
  /** Transactions by outcome: commit or abort. */
  transactions: Counter<'outcome'>;
  transactionDuration: Histogram<'outcome'>;
  /** Records written in committed transactions, by kind: aggregate, status, alert, dlq, changelog. */
  outputs: Counter<'kind'>;
  alerts: Counter<'kind'>;
  /** Records behind the end of each assigned input partition, as of its latest batch. */
  lag: Gauge<'partition'>;
  restoreDuration: Histogram;
  restoredRecords: Counter;
  assignedPartitions: Gauge;
}

const latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * Registers the metrics; `stateSize` is read at scrape time (classes, students, remembered event
 * ids, window entries over the assigned partitions).
 */
export function registerAggregatorMetrics(
  registry: Registry,
  stateSize: () => { classes: number; students: number; dedupIds: number },
): AggregatorMetrics {
  const registers = [registry];
  const state: Gauge<'kind'> = new Gauge({
    name: 'aggregator_state_size',
    help: 'Size of the state held for the assigned partitions, by kind (classes, students, dedup_ids)',
    labelNames: ['kind'],
    registers,
    collect: () => {
      const size = stateSize();
      state.set({ kind: 'classes' }, size.classes);
      state.set({ kind: 'students' }, size.students);
      state.set({ kind: 'dedup_ids' }, size.dedupIds);
    },
  });
  return {
    events: new Counter({
      name: 'aggregator_events_total',
      help: 'Input records by outcome (counted, late, duplicate, skipped, replayed, dead_lettered)',
      labelNames: ['outcome'],
      registers,
    }),
    transactions: new Counter({
      name: 'aggregator_transactions_total',
      help: 'Kafka transactions by outcome (commit, abort)',
      labelNames: ['outcome'],
      registers,
    }),
    transactionDuration: new Histogram({
      name: 'aggregator_transaction_duration_seconds',
      help: 'From beginning a transaction to its commit or abort',
      labelNames: ['outcome'],
      buckets: latencyBuckets,
      registers,
    }),
    outputs: new Counter({
      name: 'aggregator_output_records_total',
      help: 'Records written in committed transactions, by kind (aggregate, status, alert, dlq, changelog)',
      labelNames: ['kind'],
      registers,
    }),
    alerts: new Counter({
      name: 'aggregator_alerts_total',
      help: 'Alerts committed, by kind',
      labelNames: ['kind'],
      registers,
    }),
    lag: new Gauge({
      name: 'aggregator_consumer_lag',
      help: 'Records between the latest batch of an assigned input partition and its end',
      labelNames: ['partition'],
      registers,
    }),
    restoreDuration: new Histogram({
      name: 'aggregator_restore_duration_seconds',
      help: 'Time to fence, read the changelog of a partition to its end and rebuild its state',
      buckets: latencyBuckets,
      registers,
    }),
    restoredRecords: new Counter({
      name: 'aggregator_restored_records_total',
      help: 'Changelog records read by restores',
      registers,
    }),
    assignedPartitions: new Gauge({
      name: 'aggregator_assigned_partitions',
      help: 'Input partitions assigned to this instance',
      registers,
    }),
  };
}
