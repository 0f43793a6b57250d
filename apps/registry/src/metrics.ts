import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { RegistryStore } from './store.js';

/** The registry's own metrics, next to the default process metrics of `createMetricsRegistry`. */
export function registerRegistryMetrics(registry: Registry, store: RegistryStore) {
  const httpDuration = new Histogram({
    name: 'registry_http_request_duration_seconds',
    help: 'HTTP requests by route and status code',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10],
    registers: [registry],
  });
  new Gauge({
    name: 'registry_schemas',
    help: 'Schema ids known to the registry',
    registers: [registry],
    collect() {
      this.set(store.state.counts().schemas);
    },
  });
  new Gauge({
    name: 'registry_subjects',
    help: 'Subjects with at least one live version',
    registers: [registry],
    collect() {
      this.set(store.state.counts().subjects);
    },
  });
  new Gauge({
    name: 'registry_log_position',
    help: 'Next offset of the schemas topic the registry will apply',
    registers: [registry],
    collect() {
      this.set(store.position);
    },
  });
  const counters = {
    writes: 'registry_log_writes_total',
    writeRetries: 'registry_log_write_retries_total',
    skippedRecords: 'registry_log_skipped_records_total',
  } as const;
  const help = {
    writes: 'Transactions this instance committed to the schemas topic',
    writeRetries: 'Writes retried because another instance fenced this one or Kafka failed',
    skippedRecords: 'Records of the schemas topic this registry does not understand',
  };
  for (const key of Object.keys(counters) as (keyof typeof counters)[]) {
    new Counter({
      name: counters[key],
      help: help[key],
      registers: [registry],
      collect() {
        this.reset();
        this.inc(store.stats[key]);
      },
    });
  }
  return { httpDuration };
}
