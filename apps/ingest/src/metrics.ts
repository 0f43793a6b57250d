import { Counter, Histogram, type Registry } from 'prom-client';

/** Ingest's own metrics, next to the default process metrics of `createMetricsRegistry`. */
export interface IngestMetrics {
  /** HTTP requests by method, route and status; its `_count` series counts requests. */
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  eventsAccepted: Counter;
  /** Events refused one by one (the `rejected` list of a 202), by reason code. */
  eventsRejected: Counter<'reason'>;
  /** Events of requests refused as a whole (401, 403, 413, 429, 503...), by the answer's code. */
  batchesRefused: Counter<'code'>;
  /** Events per POST, as received. */
  batchSize: Histogram;
  /** From handing a batch to the producer to Kafka's acknowledgement, by outcome. */
  produceDuration: Histogram<'outcome'>;
}

export const latencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function registerIngestMetrics(registry: Registry): IngestMetrics {
  const registers = [registry];
  return {
    httpDuration: new Histogram({
      name: 'ingest_http_request_duration_seconds',
      help: 'HTTP requests by method, route and status code',
      labelNames: ['method', 'route', 'status'],
      buckets: latencyBuckets,
      registers,
    }),
    eventsAccepted: new Counter({
      name: 'ingest_events_accepted_total',
      help: 'Events acknowledged by Kafka and answered with 202',
      registers,
    }),
    eventsRejected: new Counter({
      name: 'ingest_events_rejected_total',
      help: 'Events refused one by one in a 202 answer, by reason code',
      labelNames: ['reason'],
      registers,
    }),
    batchesRefused: new Counter({
      name: 'ingest_batches_refused_total',
      help: 'POST /api/v1/events requests refused as a whole, by error code',
      labelNames: ['code'],
      registers,
    }),
    batchSize: new Histogram({
      name: 'ingest_batch_size_events',
      help: 'Events per POST /api/v1/events',
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
      registers,
    }),
    produceDuration: new Histogram({
      name: 'ingest_produce_duration_seconds',
      help: "From handing a request's records to the producer to Kafka's acknowledgement (acks=all)",
      labelNames: ['outcome'],
      buckets: latencyBuckets,
      registers,
    }),
  };
}
