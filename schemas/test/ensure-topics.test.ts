import { eventually, testKafka, uniqueName } from '@cellstream/testkit';
import type { Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTopics, topicList } from '../src/index.js';

// Against the real broker (KAFKA_BROKERS, default 127.0.0.1:9092), on topics of this run only.
describe('ensureTopics (Kafka)', () => {
  const prefix = `${uniqueName('ensure')}.`;
  const names = topicList.map((spec) => `${prefix}${spec.name}`);
  let admin: Admin;

  beforeAll(async () => {
    admin = testKafka().admin();
    await admin.connect();
  });

  afterAll(async () => {
    const existing = new Set(await admin.listTopics());
    await admin.deleteTopics({ topics: names.filter((name) => existing.has(name)) });
    await admin.disconnect();
  });

  const configOf = async (name: string, key: string) => {
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: 2, name, configNames: [key] }],
    });
    return resources[0]?.configEntries.find((entry) => entry.configName === key)?.configValue;
  };

  it('creates every topic with its partitions and configs', async () => {
    const report = await ensureTopics(admin, { topicPrefix: prefix, partitions: 2 });
    expect(report.map((topic) => [topic.name, topic.created, topic.partitions])).toEqual(
      names.map((name) => [name, true, 2]),
    );
    const metadata = await admin.fetchTopicMetadata({ topics: names });
    for (const topic of metadata.topics) expect(topic.partitions).toHaveLength(2);
    expect(await configOf(`${prefix}learning.events.v1`, 'retention.ms')).toBe(String(7 * 86_400_000));
    expect(await configOf(`${prefix}learning.class-aggregates.v1`, 'cleanup.policy')).toBe('compact');
    expect(await configOf(`${prefix}learning.alerts.v1`, 'retention.ms')).toBe(String(30 * 86_400_000));
  });

  it('changes nothing when run again (idempotent)', async () => {
    const report = await ensureTopics(admin, { topicPrefix: prefix, partitions: 2 });
    for (const topic of report) {
      expect(topic).toMatchObject({
        created: false,
        partitions: 2,
        partitionsAdded: 0,
        configChanged: {},
        warnings: [],
      });
    }
  });

  it('adds partitions when more are configured, and never removes any', async () => {
    const grown = await ensureTopics(admin, { topicPrefix: prefix, partitions: 3 });
    for (const topic of grown)
      expect(topic).toMatchObject({ created: false, partitions: 3, partitionsAdded: 1 });
    const metadata = await admin.fetchTopicMetadata({ topics: names });
    for (const topic of metadata.topics) expect(topic.partitions).toHaveLength(3);

    const fewer = await ensureTopics(admin, { topicPrefix: prefix, partitions: 2 });
    for (const topic of fewer) {
      expect(topic.partitions).toBe(3);
      expect(topic.warnings[0]).toMatch(/more than the 2 configured/);
    }
  });

  it('restores configs changed by hand, reporting what it changed', async () => {
    const events = `${prefix}learning.events.v1`;
    await admin.alterConfigs({
      validateOnly: false,
      resources: [
        {
          type: 2,
          name: events,
          configEntries: [
            { name: 'cleanup.policy', value: 'delete' },
            { name: 'retention.ms', value: '1000' },
            { name: 'max.message.bytes', value: '2000000' },
          ],
        },
      ],
    });
    const report = await ensureTopics(admin, { topicPrefix: prefix, partitions: 3 });
    const topic = report.find((entry) => entry.name === events);
    expect(topic?.configChanged['retention.ms']).toEqual({ from: '1000', to: String(7 * 86_400_000) });
    expect(topic?.overridesRemoved).toEqual(['max.message.bytes']);
    // The broker applies an altered config asynchronously: a describe right after may still show the old one.
    await eventually(
      async () => ((await configOf(events, 'retention.ms')) === String(7 * 86_400_000) ? true : undefined),
      { timeoutMs: 10_000, what: 'retention.ms restored' },
    );
    const again = await ensureTopics(admin, { topicPrefix: prefix, partitions: 3 });
    expect(again.find((entry) => entry.name === events)?.configChanged).toEqual({});
  });
});
