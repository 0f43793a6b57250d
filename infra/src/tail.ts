/**
 * `npm run tail -- <topic> [--from-beginning] [--max N]`: prints a topic's records as JSON lines,
 * values decoded through the schema registry with the writer's schema (any Avro topic, ours or
 * not). Values that are not in the Confluent wire format (the DLQ's original bytes) are printed
 * as base64. Reads committed records only, like every Cellstream consumer.
 */
import { randomBytes } from 'node:crypto';
import { MAGIC_BYTE, topicList } from '@cellstream/schemas';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { Kafka, logLevel } from 'kafkajs';
import { loadStackSettings } from './settings.js';

const args = process.argv.slice(2);
const topic = args.find((arg) => !arg.startsWith('--'));
const fromBeginning = args.includes('--from-beginning');
const maxIndex = args.indexOf('--max');
const max = maxIndex >= 0 ? Number(args[maxIndex + 1]) : Number.POSITIVE_INFINITY;

if (!topic) {
  process.stderr.write(
    `Usage: npm run tail -- <topic> [--from-beginning] [--max N]\nTopics: ${topicList.map((t) => t.name).join(', ')}\n`,
  );
  process.exit(2);
}

const settings = loadStackSettings();
const registry = new SchemaRegistry({ host: settings.SCHEMA_REGISTRY_URL });
const kafka = new Kafka({
  brokers: settings.KAFKA_BROKERS,
  clientId: 'cellstream-tail',
  logLevel: logLevel.ERROR,
});
// A group of its own that commits nothing: tailing never moves anyone else's offsets.
const consumer = kafka.consumer({ groupId: `cellstream-tail-${randomBytes(4).toString('hex')}` });

let printed = 0;
const stop = async (code = 0) => {
  await consumer.disconnect().catch(() => {});
  process.exit(code);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());

await consumer.connect();
await consumer.subscribe({ topic, fromBeginning });
await consumer.run({
  autoCommit: false,
  eachMessage: async ({ partition, message }) => {
    const raw = message.value;
    let value: unknown = null;
    if (raw && raw.length > 5 && raw[0] === MAGIC_BYTE) {
      value = await registry.decode(raw).catch((error: Error) => ({ undecodable: error.message }));
    } else if (raw) {
      value = parseJson(raw) ?? { base64: raw.toString('base64') };
    }
    const headers = Object.fromEntries(
      Object.entries(message.headers ?? {}).map(([name, header]) => [name, header?.toString()]),
    );
    process.stdout.write(
      `${JSON.stringify({
        partition,
        offset: message.offset,
        timestamp: new Date(Number(message.timestamp)).toISOString(),
        key: message.key?.toString() ?? null,
        headers,
        value,
      })}\n`,
    );
    if (++printed >= max) await stop();
  },
});
process.stderr.write(`[tail] ${topic}: waiting for records (Ctrl-C to stop)\n`);

function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    return undefined;
  }
}
