import { ensureTopics, registerSchemas } from '@cellstream/schemas';
import { retry } from '@cellstream/shared';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { Kafka, logLevel } from 'kafkajs';
import { step, timed } from './progress.js';
import type { StackSettings } from './settings.js';

/**
 * Declares CONTRACT.md's topics (schemas/src/topics.ts) on the broker and registers their
 * value schemas, so a data engineer finds both as soon as the stack is up. Idempotent.
 */
export async function ensureContracts(
  settings: StackSettings,
  options: { registry: boolean },
): Promise<void> {
  const admin = new Kafka({
    brokers: settings.KAFKA_BROKERS,
    clientId: 'cellstream-stack',
    logLevel: logLevel.ERROR,
  }).admin();
  await admin.connect();
  try {
    // A cluster that has just formed may answer "unknown topic or partition" for a few seconds.
    const ensured = await timed('topics', 'declared', () =>
      retry(() => ensureTopics(admin, { partitions: settings.TOPIC_PARTITIONS }), {
        attempts: 8,
        initialDelayMs: 1_000,
        maxDelayMs: 5_000,
        shouldRetry: () => true,
      }),
    );
    for (const topic of ensured.filter((t) => t.created || t.partitionsAdded > 0 || t.warnings.length > 0)) {
      step(
        'topics',
        `${topic.name}: ${topic.created ? 'created' : 'updated'}, ${topic.partitions} partitions`,
      );
      for (const warning of topic.warnings) step('topics', `warning: ${warning}`);
    }
  } finally {
    await admin.disconnect();
  }
  if (!options.registry) return;
  const ids = await registerSchemas(new SchemaRegistry({ host: settings.SCHEMA_REGISTRY_URL }));
  step(
    'schemas',
    `registered: ${Object.entries(ids)
      .map(([topic, id]) => `${topic}-value=${id}`)
      .join(', ')}`,
  );
}
