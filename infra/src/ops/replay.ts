import { minInsyncReplicasFor, replicationFactorFor } from '@cellstream/schemas';
import type { Kafka, Message } from 'kafkajs';
import {
  type DeadLetter,
  type Filter,
  groupByOriginal,
  matches,
  replayedRecordHeaders,
  toDeadLetter,
} from './dead-letters.js';
import { readTopic } from './kafka.js';

export interface ReplayTopics {
  dlq: string;
  events: string;
  /** Compacted: key = a DLQ record's id, value = when and where it was replayed. */
  ledger: string;
}

export interface ReplayResult {
  /** Dead letters that matched the filters. */
  matched: number;
  /** Of those, replayed by an earlier run (the ledger says so). */
  alreadyReplayed: number;
  /** Records sent back to the events topic (dead letters of the same original record count once). */
  replayed: number;
  /** The DLQ ids replayed now. */
  ids: string[];
}

export async function readDeadLetters(
  kafka: Kafka,
  dlqTopic: string,
  filters: readonly Filter[],
): Promise<DeadLetter[]> {
  const records = await readTopic(kafka, dlqTopic);
  return records.map((record) => toDeadLetter(dlqTopic, record)).filter((letter) => matches(letter, filters));
}

/** The ids of the dead letters already replayed, read from the ledger (created when missing, or read as empty). */
export async function readLedger(
  kafka: Kafka,
  ledgerTopic: string,
  options: { create: boolean },
): Promise<Set<string>> {
  if (options.create) await ensureLedgerTopic(kafka, ledgerTopic);
  else if (!(await topicExists(kafka, ledgerTopic))) return new Set();
  const records = await readTopic(kafka, ledgerTopic);
  const ids = new Set<string>();
  for (const record of records) {
    const id = record.key?.toString();
    // A tombstone forgets a replay (an operator may delete a ledger entry to replay it again).
    if (id && record.value !== null) ids.add(id);
    else if (id) ids.delete(id);
  }
  return ids;
}

/**
 * Sends the dead letters matching `filters` back to the events topic, each original record
 * exactly once however often (and however concurrently) this runs:
 *
 * - every chunk of replayed records and the ledger entries naming their DLQ ids are written in
 *   ONE Kafka transaction, so a record is never replayed without its ledger entry or the reverse
 *   (a run killed half-way is aborted by the next one's producer initialisation);
 * - every run uses the same transactional id and initialises it BEFORE reading the ledger:
 *   initialising fences any older run still going (its next send or commit fails) and waits for
 *   its open transaction to end, so the ledger this run reads is final;
 * - dead letters of one original record (several groups may reject the same record) are replayed
 *   as one record, which names them all in `dlq.replay.of`.
 *
 * Consumers read committed records only, so they never see a replay that was rolled back.
 */
export async function replayDeadLetters(
  kafka: Kafka,
  names: ReplayTopics,
  filters: readonly Filter[],
  options: { dryRun?: boolean; now?: () => Date; batchSize?: number } = {},
): Promise<ReplayResult> {
  const producer = kafka.producer({
    transactionalId: `cellstream-dlq-replay-${names.dlq}`,
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  try {
    // An empty transaction initialises the producer id: the fencing step described above.
    await (await producer.transaction()).abort();
    const done = await readLedger(kafka, names.ledger, { create: true });
    const letters = await readDeadLetters(kafka, names.dlq, filters);
    const todo = letters.filter((letter) => !done.has(letter.id));
    const groups = groupByOriginal(todo);
    const result: ReplayResult = {
      matched: letters.length,
      alreadyReplayed: letters.length - todo.length,
      replayed: groups.length,
      ids: todo.map((letter) => letter.id),
    };
    if (options.dryRun || groups.length === 0) return result;
    // Small enough for the default transaction timeout, big enough to be quick.
    const batchSize = options.batchSize ?? 500;
    for (let start = 0; start < groups.length; start += batchSize) {
      const chunk = groups.slice(start, start + batchSize);
      const now = options.now?.() ?? new Date();
      const transaction = await producer.transaction();
      try {
        await transaction.send({
          topic: names.events,
          acks: -1,
          messages: chunk.map((group) => replayed(group, now)),
        });
        await transaction.send({
          topic: names.ledger,
          acks: -1,
          messages: chunk.flat().map((letter) => ({
            key: letter.id,
            value: JSON.stringify({ replayedAt: now.toISOString(), to: names.events }),
          })),
        });
        await transaction.commit();
      } catch (error) {
        await transaction.abort().catch(() => {});
        throw error;
      }
    }
    return result;
  } finally {
    await producer.disconnect();
  }
}

function replayed(group: DeadLetter[], now: Date): Message {
  const first = group[0] as DeadLetter;
  return { key: first.key, value: first.value, headers: replayedRecordHeaders(group, now) };
}

async function topicExists(kafka: Kafka, topic: string): Promise<boolean> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.listTopics()).includes(topic);
  } finally {
    await admin.disconnect();
  }
}

async function ensureLedgerTopic(kafka: Kafka, topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    if ((await admin.listTopics()).includes(topic)) return;
    const brokers = (await admin.describeCluster()).brokers.length;
    // Another replay may create it at the same moment: false or an error then, and it exists.
    await admin
      .createTopics({
        waitForLeaders: true,
        topics: [
          {
            topic,
            // The ledger is read whole by every replay: one partition keeps that a single fetch.
            numPartitions: 1,
            replicationFactor: replicationFactorFor(brokers),
            configEntries: [
              { name: 'cleanup.policy', value: 'compact' },
              { name: 'min.insync.replicas', value: String(minInsyncReplicasFor(brokers)) },
            ],
          },
        ],
      })
      .catch(async (error: unknown) => {
        if (!(await admin.listTopics()).includes(topic)) throw error;
      });
  } finally {
    await admin.disconnect();
  }
}
