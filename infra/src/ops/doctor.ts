/**
 * `npm run doctor [-- --json]`: checks every part of a running platform at once (stack
 * servers, topics and their configs, registry subjects, migrations, the InfluxDB database, each
 * app's /ready, the token keys, consumer lag, DLQ growth, clock skew) and prints, for each
 * problem, what is wrong and the command that fixes it. Exit code 1 when anything is wrong.
 *
 * `npm run doctor -- fix-contracts`: declares the topics and registers their value schemas
 * (what `npm run stack -- up` does), under TOPIC_PREFIX when one is set.
 */
import { ensureTopics, registerSchemas } from '@cellstream/schemas';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { appChecks } from './doctor/checks-apps.js';
import { flowChecks } from './doctor/checks-flow.js';
import { infraChecks } from './doctor/checks-infra.js';
import { createDoctorDeps } from './doctor/context.js';
import { runChecks } from './doctor/framework.js';
import { formatReport } from './doctor/report.js';
import { opsKafka } from './kafka.js';
import { loadDotEnv, loadOpsSettings, type OpsSettings } from './settings.js';

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help')) {
    process.stdout.write('Usage: npm run doctor [-- --json]\n       npm run doctor -- fix-contracts\n');
    return 0;
  }
  loadDotEnv(new URL('../../../', import.meta.url).pathname);
  const settings = loadOpsSettings();
  if (argv[0] === 'fix-contracts') return fixContracts(settings);

  const started = Date.now();
  const deps = createDoctorDeps(settings);
  try {
    const findings = await runChecks([...infraChecks(deps), ...appChecks(deps), ...flowChecks(deps)], {
      timeoutMs: settings.DOCTOR_TIMEOUT_MS,
    });
    const failed = findings.some((finding) => finding.status === 'problem');
    if (argv.includes('--json')) {
      process.stdout.write(
        `${JSON.stringify({ ok: !failed, elapsedMs: Date.now() - started, findings }, null, 2)}\n`,
      );
    } else {
      const prefix = settings.TOPIC_PREFIX ? `, topic prefix ${settings.TOPIC_PREFIX}` : '';
      const header =
        `Cellstream doctor: Kafka ${settings.KAFKA_BROKERS.join(',')}, registry ${settings.SCHEMA_REGISTRY_URL}, ` +
        `PostgreSQL ${new URL(settings.DATABASE_URL).host}, InfluxDB ${settings.INFLUX_URL}${prefix} ` +
        `(${((Date.now() - started) / 1000).toFixed(1)} s)`;
      process.stdout.write(formatReport(findings, header));
    }
    return failed ? 1 : 0;
  } finally {
    await deps.close();
  }
}

async function fixContracts(settings: OpsSettings): Promise<number> {
  const admin = opsKafka(settings.KAFKA_BROKERS, 'cellstream-doctor').admin();
  await admin.connect();
  try {
    const ensured = await ensureTopics(admin, {
      partitions: settings.TOPIC_PARTITIONS,
      topicPrefix: settings.TOPIC_PREFIX,
    });
    for (const topic of ensured) {
      const changes = [
        topic.created ? 'created' : '',
        topic.partitionsAdded > 0 ? `${topic.partitionsAdded} partitions added` : '',
        Object.keys(topic.configChanged).length > 0
          ? `configs set: ${Object.keys(topic.configChanged).join(', ')}`
          : '',
        ...topic.warnings,
      ].filter(Boolean);
      process.stdout.write(`${topic.name}: ${changes.length > 0 ? changes.join('; ') : 'as declared'}\n`);
    }
  } finally {
    await admin.disconnect();
  }
  const registry = new SchemaRegistry({ host: settings.SCHEMA_REGISTRY_URL });
  const ids = await registerSchemas(registry, { topicPrefix: settings.TOPIC_PREFIX });
  for (const [topic, id] of Object.entries(ids))
    process.stdout.write(`${settings.topic(topic)}-value: schema id ${id}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`[doctor] failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  },
);
