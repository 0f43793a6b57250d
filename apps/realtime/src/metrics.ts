import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { ClassStateStore } from './class-state.js';
import type { ConsumerState, RecordKind } from './consumer.js';
import type { FanOut, FanOutObserver } from './fan-out.js';
import type { NotificationStore } from './notification-store.js';
import { channelKinds } from './protocol.js';

/** Read at each scrape (functions, so the metrics can be created before what they observe). */
export interface MetricSources {
  fanOutStats: () => ReturnType<FanOut['stats']>;
  stateSize: () => ReturnType<ClassStateStore['size']>;
  notificationsSize: () => ReturnType<NotificationStore['size']>;
  /** Token ids lms-api lists as revoked. */
  revokedTokens: () => number;
  /** Open WebSocket connections, authenticated or not. */
  connections: () => number;
  consumerState: () => ConsumerState;
}

/** Realtime's metrics, served at /metrics beside the process defaults of `createMetricsRegistry`. */
export function registerRealtimeMetrics(registry: Registry, sources: MetricSources) {
  const registers = [registry];
  new Gauge({
    name: 'realtime_connections',
    help: 'Open WebSocket connections (authenticated or not).',
    registers,
    collect() {
      this.set(sources.connections());
    },
  });
  new Gauge({
    name: 'realtime_subscriptions',
    help: 'Subscribed connections per class channel (instructor dashboards).',
    labelNames: ['class_id'],
    registers,
    collect() {
      this.reset();
      for (const [channel, count] of sources.fanOutStats().subscriptions) {
        if (channel.startsWith('class:')) this.labels(channel.slice('class:'.length)).set(count);
      }
    },
  });
  new Gauge({
    name: 'realtime_channel_subscriptions',
    help: "Subscriptions by channel kind (class, progress, notifications, broadcast): students' channels are not labelled one by one.",
    labelNames: ['kind'],
    registers,
    collect() {
      const totals = new Map<string, number>(channelKinds.map((kind) => [kind, 0]));
      for (const [channel, count] of sources.fanOutStats().subscriptions) {
        const kind = channel.slice(0, channel.indexOf(':'));
        totals.set(kind, (totals.get(kind) ?? 0) + count);
      }
      for (const [kind, count] of totals) this.labels(kind).set(count);
    },
  });
  new Gauge({
    name: 'realtime_buffered_bytes',
    help: 'Bytes waiting in the send buffers of all sockets (uWS backpressure).',
    registers,
    collect() {
      this.set(sources.fanOutStats().bufferedBytes);
    },
  });
  new Gauge({
    name: 'realtime_slow_clients',
    help: 'Clients currently over SLOW_CLIENT_BUFFER_BYTES, receiving coalesced updates.',
    registers,
    collect() {
      this.set(sources.fanOutStats().slow);
    },
  });
  new Gauge({
    name: 'realtime_state_size',
    help: 'Classes, student statuses, notifications and system messages held in memory.',
    labelNames: ['what'],
    registers,
    collect() {
      const { classes, students } = sources.stateSize();
      this.labels('classes').set(classes);
      this.labels('students').set(students);
      const { notifications, systemMessages } = sources.notificationsSize();
      this.labels('notifications').set(notifications);
      this.labels('system_messages').set(systemMessages);
    },
  });
  new Gauge({
    name: 'realtime_revoked_tokens',
    help: 'Token ids lms-api lists as revoked (polled every REVOCATION_POLL_MS).',
    registers,
    collect() {
      this.set(sources.revokedTokens());
    },
  });
  new Gauge({
    name: 'realtime_caught_up',
    help: '1 once the initial read of the topics is complete (snapshots are whole), else 0.',
    registers,
    collect() {
      this.set(sources.consumerState() === 'up' ? 1 : 0);
    },
  });

  const messagesSent = new Counter({
    name: 'realtime_messages_sent_total',
    help: 'Messages sent to clients (a publish counts once per receiving client), by type.',
    labelNames: ['type'],
    registers,
  });
  const bytesSent = new Counter({
    name: 'realtime_bytes_sent_total',
    help: 'Bytes of messages sent to clients.',
    registers,
  });
  const coalesced = new Counter({
    name: 'realtime_coalesced_total',
    help: 'Updates for a slow client replaced by a newer one of the same key before being sent.',
    labelNames: ['type'],
    registers,
  });
  const dropped = new Counter({
    name: 'realtime_dropped_total',
    help: 'Events (alerts, notifications) dropped for a slow client past SLOW_CLIENT_MAX_QUEUED_ALERTS.',
    labelNames: ['type'],
    registers,
  });
  const slowEvents = new Counter({
    name: 'realtime_slow_client_events_total',
    help: 'Clients that became slow (entered), caught up again (recovered) or were closed with 4008 (closed).',
    labelNames: ['event'],
    registers,
  });
  const connectionsOpened = new Counter({
    name: 'realtime_connections_opened_total',
    help: 'WebSocket connections opened.',
    registers,
  });
  const connectionsClosed = new Counter({
    name: 'realtime_connections_closed_total',
    help: 'WebSocket connections closed, by close code.',
    labelNames: ['code'],
    registers,
  });
  const authFailures = new Counter({
    name: 'realtime_auth_failures_total',
    help: 'Refused authentications, by error code.',
    labelNames: ['code'],
    registers,
  });
  const records = new Counter({
    name: 'realtime_records_total',
    help: 'Records read from Kafka, by topic role and outcome (applied, tombstone, undecodable, replayed).',
    labelNames: ['topic', 'outcome'],
    registers,
  });
  const publishDelay = new Histogram({
    name: 'realtime_publish_delay_seconds',
    help: "From a Kafka record's timestamp to its publish to subscribers (after the initial read).",
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });

  const receiveDelay = new Histogram({
    name: 'realtime_receive_delay_seconds',
    help: "From a Kafka record's timestamp to the fetch that brought it returning (the Kafka side of the publish delay).",
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const processDelay = new Histogram({
    name: 'realtime_process_delay_seconds',
    help: "From the fetch that brought a record returning to its publish (realtime's side of the publish delay).",
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5],
    registers,
  });

  // Per publish and per record: the labelled children are looked up once, not hashed each time.
  const sentOf = memo((kind: string) => messagesSent.labels(kind));
  const recordsOf = memo((slot: string) => records.labels(...(slot.split('\u0000') as [string, string])));

  const fanOutObserver: FanOutObserver = {
    sent(kind, count, bytes) {
      sentOf(kind).inc(count);
      bytesSent.inc(bytes);
    },
    pending(outcome, kind) {
      if (outcome === 'coalesced') coalesced.labels(kind).inc();
      if (outcome === 'dropped_oldest_event') dropped.labels(kind).inc();
    },
    slow(event) {
      slowEvents.labels(event).inc();
    },
  };

  return {
    fanOutObserver,
    connectionOpened: () => connectionsOpened.inc(),
    connectionClosed: (code: number) => connectionsClosed.labels(String(code)).inc(),
    authFailed: (code: string) => authFailures.labels(code).inc(),
    record: (kind: RecordKind, outcome: string) => recordsOf(`${kind}\u0000${outcome}`).inc(),
    published: (meta: { timestamp: number; receivedAt: number }) => {
      const now = Date.now();
      publishDelay.observe(Math.max(0, now - meta.timestamp) / 1000);
      receiveDelay.observe(Math.max(0, meta.receivedAt - meta.timestamp) / 1000);
      processDelay.observe(Math.max(0, now - meta.receivedAt) / 1000);
    },
  };
}

export type RealtimeMetrics = ReturnType<typeof registerRealtimeMetrics>;

function memo<T>(make: (key: string) => T): (key: string) => T {
  const made = new Map<string, T>();
  return (key) => {
    let value = made.get(key);
    if (value === undefined) {
      value = make(key);
      made.set(key, value);
    }
    return value;
  };
}
