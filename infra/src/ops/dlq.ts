/**
 * `npm run dlq -- list [--filter f=v]... [--json] [--limit N]`: the dead letters of
 * learning.events.dlq.v1 with their reasons, decoded where the registry can, and whether each
 * was replayed already.
 * `npm run dlq -- replay [--filter f=v]... [--dry-run]`: sends them back to learning.events.v1,
 * each exactly once however often it runs (see replay.ts).
 */
import { type LearningEvent, TopicSerde, topics } from '@cellstream/schemas';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { type DeadLetter, type Filter, filterHelp, parseFilter, summarize } from './dead-letters.js';
import { opsKafka } from './kafka.js';
import { readDeadLetters, readLedger, replayDeadLetters } from './replay.js';
import { loadDotEnv, loadOpsSettings } from './settings.js';

const usage = `Usage:
  npm run dlq -- list   [--filter <field>=<value>]... [--json] [--limit N]
  npm run dlq -- replay [--filter <field>=<value>]... [--dry-run] [--json]

Filters:
${filterHelp}

replay sends the matching dead letters back to the events topic in Kafka transactions, each once:
a ledger topic remembers what was replayed, so running it again sends nothing twice. Fix the cause
first (npm run dlq -- list shows it), or the records come back to the DLQ.
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== 'list' && command !== 'replay') {
    process.stdout.write(usage);
    return command === undefined || command === '--help' || command === 'help' ? 0 : 2;
  }
  const filters: Filter[] = [];
  let json = false;
  let dryRun = false;
  let limit = 100;
  for (let index = 0; index < rest.length; index++) {
    const arg = rest[index];
    if (arg === '--filter') filters.push(parseFilter(rest[++index] ?? ''));
    else if (arg?.startsWith('--filter=')) filters.push(parseFilter(arg.slice('--filter='.length)));
    else if (arg === '--json') json = true;
    else if (arg === '--dry-run') dryRun = true;
    else if (arg === '--limit') limit = Number(rest[++index]);
    else throw new Error(`unknown argument ${arg}\n\n${usage}`);
  }
  if (!Number.isInteger(limit) || limit < 1) throw new Error('--limit needs a positive integer');

  loadDotEnv(new URL('../../../', import.meta.url).pathname);
  const settings = loadOpsSettings();
  const kafka = opsKafka(settings.KAFKA_BROKERS, 'cellstream-dlq');
  const names = {
    dlq: settings.topic(topics.eventsDlq.name),
    events: settings.topic(topics.learningEvents.name),
    ledger: settings.ledgerTopic,
  };

  if (command === 'replay') {
    const result = await replayDeadLetters(kafka, names, filters, {
      dryRun,
      batchSize: settings.DLQ_REPLAY_BATCH,
    });
    const verb = dryRun ? 'would replay' : 'replayed';
    process.stdout.write(
      json
        ? `${JSON.stringify(result)}\n`
        : `${result.matched} dead letters match; ${result.alreadyReplayed} were replayed before; ` +
            `${verb} ${result.replayed} records to ${names.events} (${result.ids.length} dead letters).\n`,
    );
    return 0;
  }

  const [letters, replayed] = await Promise.all([
    readDeadLetters(kafka, names.dlq, filters),
    readLedger(kafka, names.ledger, { create: false }),
  ]);
  const shown = letters.slice(-limit);
  const serde = new TopicSerde(new SchemaRegistry({ host: settings.SCHEMA_REGISTRY_URL }), {
    topicPrefix: settings.TOPIC_PREFIX,
  });
  const events = await Promise.all(shown.map((letter) => decodeEvent(serde, letter)));
  if (json) {
    for (const [index, letter] of shown.entries()) {
      const { key, value, headers: _headers, ...rest } = letter;
      process.stdout.write(
        `${JSON.stringify({ ...rest, key: key?.toString() ?? null, replayed: replayed.has(letter.id), event: events[index] ?? null })}\n`,
      );
    }
    return 0;
  }
  if (letters.length === 0) {
    process.stdout.write(`${names.dlq}: no dead letters${filters.length ? ' match' : ''}.\n`);
    return 0;
  }
  for (const [index, letter] of shown.entries()) {
    const event = events[index];
    const source =
      letter.sourcePartition === undefined
        ? letter.sourceTopic
        : `${letter.sourceTopic}/${letter.sourcePartition}/${letter.sourceOffset}`;
    process.stdout.write(
      `${letter.id}  ${letter.failedAt}  ${letter.failedBy}  ${letter.code}${replayed.has(letter.id) ? '  (replayed)' : ''}\n` +
        `    from ${source}, key ${letter.key?.toString() ?? '-'}` +
        (event ? `, ${event.eventType} ${event.eventId} of ${event.userId}` : ', value not decodable') +
        `\n    ${letter.reason}\n`,
    );
  }
  const { byCode, byFailedBy } = summarize(letters);
  const notReplayed = letters.filter((letter) => !replayed.has(letter.id)).length;
  process.stdout.write(
    `\n${letters.length} dead letters${shown.length < letters.length ? ` (last ${shown.length} shown)` : ''}, ` +
      `${notReplayed} not replayed yet\n` +
      `  by code:      ${byCode.map(([code, n]) => `${code} ${n}`).join(', ')}\n` +
      `  by failed-by: ${byFailedBy.map(([by, n]) => `${by} ${n}`).join(', ')}\n` +
      (notReplayed > 0 ? 'Once the cause is fixed: npm run dlq -- replay [--filter ...]\n' : ''),
  );
  return 0;
}

async function decodeEvent(
  serde: TopicSerde,
  letter: DeadLetter,
): Promise<Pick<LearningEvent, 'eventId' | 'eventType' | 'userId' | 'classId'> | undefined> {
  if (!letter.value) return undefined;
  try {
    const event = await serde.decode(topics.learningEvents.name, letter.value);
    return {
      eventId: event.eventId,
      eventType: event.eventType,
      userId: event.userId,
      classId: event.classId,
    };
  } catch {
    return undefined;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`[dlq] ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
