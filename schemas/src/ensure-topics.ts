import type { Logger } from '@cellstream/shared';
import type { Admin, ConfigResourceTypes, ConfigSource } from 'kafkajs';
import { SchemasError } from './errors.js';
import {
  DEFAULT_TOPIC_PARTITIONS,
  replicationFactorFor,
  type TopicSpec,
  topicConfig,
  topicList,
} from './topics.js';

/** The part of a kafkajs Admin that `ensureTopics` uses (connected by the caller). */
export type TopicAdmin = Pick<
  Admin,
  | 'listTopics'
  | 'createTopics'
  | 'createPartitions'
  | 'fetchTopicMetadata'
  | 'describeCluster'
  | 'describeConfigs'
  | 'alterConfigs'
>;

export interface EnsureTopicsOptions {
  /** Partitions of each topic (`TOPIC_PARTITIONS`); default 6. Only ever increased on existing topics. */
  partitions?: number;
  /** Brokers in the cluster; default: counted with describeCluster. Sets replication factor and min.insync.replicas. */
  brokerCount?: number;
  /** Prepended to every topic name, so tests get their own topics. Default none. */
  topicPrefix?: string;
  /** Which topics; default all of `topics.ts`. */
  topics?: readonly TopicSpec[];
  logger?: Pick<Logger, 'info' | 'warn'>;
}

export interface EnsuredTopic {
  name: string;
  created: boolean;
  /** Partition count after the call. */
  partitions: number;
  partitionsAdded: number;
  /** Topic configs changed on an existing topic: name → previous and new value. */
  configChanged: Record<string, { from: string | null; to: string }>;
  /** Topic-level overrides not declared in topics.ts, reset to the broker default when configs were changed. */
  overridesRemoved: string[];
  /** Differences ensureTopics does not repair (more partitions than configured, too few replicas). */
  warnings: string[];
}

// kafkajs declares these as enums, which a type-only import cannot use as values.
const TOPIC_RESOURCE = 2 as ConfigResourceTypes;
const TOPIC_CONFIG_SOURCE = 1 as ConfigSource;

/**
 * Makes the cluster's topics match `topics.ts`: creates missing topics, sets
 * the configs of existing ones, and adds partitions when the configured count
 * is higher (partitions are never removed: Kafka cannot, and keys would move).
 * Idempotent: a second call changes nothing and reports nothing changed.
 *
 * Configs are applied with AlterConfigs, which replaces a topic's whole set of
 * overrides: the declaration in topics.ts wins over changes made by hand.
 *
 * Adding partitions moves keys to other partitions. On compacted topics the
 * latest record of a moved key stays behind in its old partition until that
 * key is written again, so readers restoring state should prefer the newest
 * `updatedAt` per key.
 */
export async function ensureTopics(
  admin: TopicAdmin,
  options: EnsureTopicsOptions = {},
): Promise<EnsuredTopic[]> {
  const partitions = options.partitions ?? DEFAULT_TOPIC_PARTITIONS;
  if (!Number.isInteger(partitions) || partitions < 1) {
    throw new SchemasError(
      'SCHEMAS_TOPIC_SETUP_FAILED',
      `Topic partitions must be a positive integer, not ${partitions}`,
      {
        retriable: false,
      },
    );
  }
  const prefix = options.topicPrefix ?? '';
  const specs = options.topics ?? topicList;
  const brokerCount =
    options.brokerCount ??
    (await step('Describing the cluster', () => admin.describeCluster())).brokers.length;
  const replicationFactor = replicationFactorFor(brokerCount);
  const wanted = specs.map((spec) => ({
    name: `${prefix}${spec.name}`,
    config: topicConfig(spec, brokerCount),
  }));

  const existing = new Set(await step('Listing topics', () => admin.listTopics()));
  const missing = wanted.filter((topic) => !existing.has(topic.name));
  const created = new Set<string>();
  if (missing.length > 0) {
    // false when another process created some of them first: all are then checked like existing topics.
    const createdAll = await step(`Creating topics ${missing.map((topic) => topic.name).join(', ')}`, () =>
      admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => ({
          topic: topic.name,
          numPartitions: partitions,
          replicationFactor,
          configEntries: Object.entries(topic.config).map(([name, value]) => ({ name, value })),
        })),
      }),
    );
    if (createdAll) {
      for (const topic of missing) {
        created.add(topic.name);
        options.logger?.info({ topic: topic.name, partitions, replicationFactor }, 'topic created');
      }
    }
  }

  const names = wanted.map((topic) => topic.name);
  const [metadata, configs] = await step('Describing topics', () =>
    Promise.all([
      admin.fetchTopicMetadata({ topics: names }),
      admin.describeConfigs({
        includeSynonyms: false,
        resources: names.map((name) => ({ type: TOPIC_RESOURCE, name })),
      }),
    ]),
  );

  const reports: EnsuredTopic[] = [];
  for (const topic of wanted) {
    const report: EnsuredTopic = {
      name: topic.name,
      created: created.has(topic.name),
      partitions,
      partitionsAdded: 0,
      configChanged: {},
      overridesRemoved: [],
      warnings: [],
    };
    reports.push(report);
    // Just created with the declared partitions and configs: nothing to compare.
    if (report.created) continue;

    const topicMetadata = metadata.topics.find((entry) => entry.name === topic.name);
    const current = topicMetadata?.partitions.length ?? 0;
    report.partitions = current;
    if (current < partitions) {
      await step(`Adding partitions to ${topic.name}`, () =>
        admin.createPartitions({ topicPartitions: [{ topic: topic.name, count: partitions }] }),
      );
      report.partitions = partitions;
      report.partitionsAdded = partitions - current;
      options.logger?.info({ topic: topic.name, from: current, to: partitions }, 'partitions added');
    } else if (current > partitions) {
      report.warnings.push(
        `has ${current} partitions, more than the ${partitions} configured; partitions are never removed`,
      );
    }
    const replicas = Math.min(
      ...(topicMetadata?.partitions.map((partition) => partition.replicas.length) ?? [0]),
    );
    if (replicas < replicationFactor) {
      report.warnings.push(
        `has ${replicas} replicas per partition, fewer than ${replicationFactor}; reassign partitions to fix it`,
      );
    }

    const resource = configs.resources.find((entry) => entry.resourceName === topic.name);
    if (resource?.errorCode !== 0) {
      throw new SchemasError('SCHEMAS_TOPIC_SETUP_FAILED', `Describing the configs of ${topic.name} failed`, {
        context: { topic: topic.name, errorCode: resource?.errorCode, errorMessage: resource?.errorMessage },
      });
    }
    const entries = resource.configEntries;
    for (const [name, value] of Object.entries(topic.config)) {
      const from = entries.find((entry) => entry.configName === name)?.configValue ?? null;
      if (from !== value) report.configChanged[name] = { from, to: value };
    }
    if (Object.keys(report.configChanged).length > 0) {
      report.overridesRemoved = entries
        .filter((entry) => entry.configSource === TOPIC_CONFIG_SOURCE && !(entry.configName in topic.config))
        .map((entry) => entry.configName);
      await step(`Updating the configs of ${topic.name}`, () =>
        admin.alterConfigs({
          validateOnly: false,
          resources: [
            {
              type: TOPIC_RESOURCE,
              name: topic.name,
              configEntries: Object.entries(topic.config).map(([name, value]) => ({ name, value })),
            },
          ],
        }),
      );
      options.logger?.info(
        { topic: topic.name, changed: report.configChanged, overridesRemoved: report.overridesRemoved },
        'topic configs updated',
      );
    }
    for (const warning of report.warnings) options.logger?.warn({ topic: topic.name }, `topic ${warning}`);
  }
  return reports;
}

/** Runs one admin request, wrapping its failure in a SchemasError that says which step failed. */
async function step<T>(what: string, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (cause) {
    const retriable = (cause as { retriable?: unknown } | null)?.retriable === true;
    throw new SchemasError(
      'SCHEMAS_TOPIC_SETUP_FAILED',
      `${what} failed: ${cause instanceof Error ? cause.message : String(cause)}`,
      {
        cause,
        retriable,
      },
    );
  }
}
