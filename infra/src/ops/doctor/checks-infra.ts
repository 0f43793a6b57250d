import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { topicConfig, topicList, valueSubject, valueTopicList } from '@cellstream/schemas';
import pg from 'pg';
import { runningPid } from '../../processes.js';
import { type DoctorDeps, probe, probeTimeout } from './context.js';
import { type Check, ok, type Problem, problem, skipped } from './framework.js';

/** The command that declares topics and registers schemas for the configured prefix. */
export const FIX_CONTRACTS = 'npm run doctor -- fix-contracts';
const STACK_UP = 'npm run stack -- up';

// kafkajs declares it as an enum, which a type-only import cannot use as a value.
const TOPIC_RESOURCE = 2;

export function infraChecks(deps: DoctorDeps): Check[] {
  const { settings } = deps;
  const timeout = probeTimeout(settings);
  const stackPid = (name: string, marker: string) =>
    runningPid({ name, pidFile: join(settings.runDir, `${name}.pid`), logFile: '' }, marker);

  return [
    {
      id: 'kafka',
      title: 'kafka',
      async run() {
        const brokers = settings.KAFKA_BROKERS.join(',');
        try {
          const admin = await deps.admin();
          const cluster = await admin.describeCluster();
          if (cluster.controller === null || cluster.controller < 0) {
            return problem('no active controller', [
              {
                what: `Kafka at ${brokers} answers but has no active controller (KRaft quorum lost)`,
                fix: `npm run stack -- logs kafka\n${STACK_UP}`,
              },
            ]);
          }
          return ok(`${cluster.brokers.length} broker(s) at ${brokers}, controller ${cluster.controller}`);
        } catch (error) {
          const pid = stackPid('kafka', 'kafka.Kafka');
          const what =
            pid === undefined
              ? `Kafka does not answer at ${brokers}: it is not running`
              : `Kafka runs (pid ${pid}) but does not answer at ${brokers}: ${(error as Error).message}`;
          return problem('does not answer', [
            {
              what,
              fix: pid === undefined ? STACK_UP : `npm run stack -- logs kafka\nkill ${pid} && ${STACK_UP}`,
            },
          ]);
        }
      },
    },
    {
      id: 'topics',
      title: 'topics',
      needs: ['kafka'],
      async run() {
        const admin = await deps.admin();
        const brokerCount = (await admin.describeCluster()).brokers.length;
        const existing = new Set(await admin.listTopics());
        const wanted = topicList.map((spec) => ({ spec, name: settings.topic(spec.name) }));
        const problems: Problem[] = [];
        const missing = wanted.filter((topic) => !existing.has(topic.name));
        if (missing.length > 0) {
          problems.push({
            what: `missing topics: ${missing.map((t) => t.name).join(', ')}`,
            fix: FIX_CONTRACTS,
          });
        }
        const present = wanted.filter((topic) => existing.has(topic.name));
        if (present.length > 0) {
          const [metadata, configs] = await Promise.all([
            admin.fetchTopicMetadata({ topics: present.map((t) => t.name) }),
            admin.describeConfigs({
              includeSynonyms: false,
              resources: present.map((t) => ({ type: TOPIC_RESOURCE, name: t.name })),
            }),
          ]);
          for (const { spec, name } of present) {
            const entries =
              configs.resources.find((resource) => resource.resourceName === name)?.configEntries ?? [];
            const wrong = Object.entries(topicConfig(spec, brokerCount)).filter(
              ([key, value]) => entries.find((entry) => entry.configName === key)?.configValue !== value,
            );
            if (wrong.length > 0) {
              problems.push({
                what: `${name}: ${wrong
                  .map(
                    ([key, value]) =>
                      `${key} is ${entries.find((e) => e.configName === key)?.configValue ?? 'unset'}, should be ${value}`,
                  )
                  .join('; ')}`,
                fix: FIX_CONTRACTS,
              });
            }
            const partitions = metadata.topics.find((topic) => topic.name === name)?.partitions ?? [];
            if (partitions.length < settings.TOPIC_PARTITIONS) {
              problems.push({
                what: `${name} has ${partitions.length} partitions, TOPIC_PARTITIONS says ${settings.TOPIC_PARTITIONS}`,
                fix: FIX_CONTRACTS,
              });
            }
            const offline = partitions.filter((p) => p.leader < 0).map((p) => p.partitionId);
            const under = partitions
              .filter((p) => p.leader >= 0 && p.isr.length < p.replicas.length)
              .map((p) => p.partitionId);
            if (offline.length > 0) {
              problems.push({
                what: `${name}: partitions ${offline.join(',')} have no leader (offline): their brokers are down`,
                fix: STACK_UP,
              });
            }
            if (under.length > 0) {
              problems.push({
                what: `${name}: partitions ${under.join(',')} are under-replicated (a replica's broker is down or behind)`,
                fix: `${STACK_UP}\nnpm run stack -- logs kafka`,
              });
            }
          }
        }
        if (problems.length > 0) return problem(`${problems.length} topic problem(s)`, problems);
        return ok(
          `${wanted.length} topics with their declared configs, ${settings.TOPIC_PARTITIONS}+ partitions, all in sync`,
        );
      },
    },
    {
      id: 'registry',
      title: 'schema registry',
      async run(context) {
        const url = settings.SCHEMA_REGISTRY_URL.replace(/\/+$/, '');
        const listed = await probe(`${url}/subjects`, timeout);
        if ('error' in listed || listed.status !== 200) {
          if ((await context.outcome('kafka')).status !== 'ok') {
            return skipped(`does not answer at ${url}; it keeps its schemas in Kafka, which is down`);
          }
          const why = 'error' in listed ? listed.error : `HTTP ${listed.status}`;
          const pid = stackPid('registry', 'apps/registry/dist/main.js');
          return problem('does not answer', [
            {
              what: `the schema registry at ${url} does not answer (${why})`,
              fix:
                pid === undefined ? STACK_UP : `npm run stack -- logs registry\nkill ${pid} && ${STACK_UP}`,
            },
          ]);
        }
        const subjects = new Set(JSON.parse(listed.body) as string[]);
        const wanted = valueTopicList.map((spec) => valueSubject(settings.topic(spec.name)));
        const missing = wanted.filter((subject) => !subjects.has(subject));
        if (missing.length > 0) {
          return problem(`${missing.length} subject(s) missing`, [
            {
              what: `subjects not registered (deleted?): ${missing.join(', ')}; consumers cannot check new writers against them`,
              fix: FIX_CONTRACTS,
            },
          ]);
        }
        return ok(`${wanted.length} value subjects registered at ${url}`);
      },
    },
    {
      id: 'postgres',
      title: 'postgresql',
      async run() {
        const target = new URL(settings.DATABASE_URL);
        const client = new pg.Client({
          connectionString: settings.DATABASE_URL,
          connectionTimeoutMillis: timeout,
          query_timeout: timeout,
        });
        try {
          await client.connect();
          const { rows } = await client.query<{ version: string }>(
            "SELECT current_setting('server_version') AS version",
          );
          return ok(
            `PostgreSQL ${rows[0]?.version.split(' ')[0]} at ${target.host}, database ${target.pathname.slice(1)}`,
          );
        } catch (error) {
          const code = (error as { code?: string }).code;
          const what =
            code === '3D000' || code === '28P01' || code === '28000'
              ? `PostgreSQL at ${target.host} refuses database ${target.pathname.slice(1)} for ${target.username}: ${(error as Error).message}`
              : `PostgreSQL does not answer at ${target.host}: ${(error as Error).message || code}`;
          return problem('not reachable', [{ what, fix: STACK_UP }]);
        } finally {
          await client.end().catch(() => {});
        }
      },
    },
    {
      id: 'migrations',
      title: 'migrations',
      needs: ['postgres'],
      async run() {
        const journal = JSON.parse(
          readFileSync(join(settings.repoRoot, 'packages', 'db', 'drizzle', 'meta', '_journal.json'), 'utf8'),
        ) as { entries: { tag: string; when: number }[] };
        const client = new pg.Client({
          connectionString: settings.DATABASE_URL,
          connectionTimeoutMillis: timeout,
          query_timeout: timeout,
        });
        let lastApplied = 0;
        try {
          await client.connect();
          // drizzle's migrator records each applied migration with the journal's `when` as created_at.
          const { rows } = await client.query<{ last: string | null }>(
            'SELECT max(created_at)::text AS last FROM drizzle.__drizzle_migrations',
          );
          lastApplied = Number(rows[0]?.last ?? 0);
        } catch (error) {
          const code = (error as { code?: string }).code;
          if (code !== '42P01' && code !== '3F000') throw error;
        } finally {
          await client.end().catch(() => {});
        }
        const pending = journal.entries.filter((entry) => entry.when > lastApplied);
        if (pending.length > 0) {
          return problem(`${pending.length} pending`, [
            {
              what: `migrations not applied to ${new URL(settings.DATABASE_URL).pathname.slice(1)}: ${pending.map((e) => e.tag).join(', ')}`,
              fix: 'npm run migrate -w @cellstream/db',
            },
          ]);
        }
        return ok(`all ${journal.entries.length} migrations applied`);
      },
    },
    {
      id: 'influxdb',
      title: 'influxdb',
      async run() {
        const url = settings.INFLUX_URL.replace(/\/+$/, '');
        const ping = await probe(`${url}/ping`, timeout);
        if ('error' in ping || ping.status >= 300) {
          const pid = stackPid('influxdb', 'influxd');
          return problem('does not answer', [
            {
              what: `InfluxDB does not answer at ${url} (${'error' in ping ? ping.error : `HTTP ${ping.status}`})${pid === undefined ? '' : `; it runs as pid ${pid}`}`,
              fix:
                pid === undefined ? STACK_UP : `npm run stack -- logs influxdb\nkill ${pid} && ${STACK_UP}`,
            },
          ]);
        }
        const bucket = settings.INFLUX_BUCKET;
        const database = bucket.split('/')[0] as string;
        const headers: Record<string, string> = settings.INFLUX_TOKEN
          ? { authorization: `Token ${settings.INFLUX_TOKEN}` }
          : {};
        const v1 = await probe(`${url}/query?q=${encodeURIComponent('SHOW DATABASES')}`, timeout, {
          headers,
        });
        if (!('error' in v1) && v1.status === 200) {
          const names =
            (
              JSON.parse(v1.body) as { results?: { series?: { values?: string[][] }[] }[] }
            ).results?.[0]?.series?.[0]?.values?.flat() ?? [];
          if (!names.includes(database)) {
            return problem('database missing', [
              {
                what: `InfluxDB at ${url} has no database ${database} (INFLUX_BUCKET): the persister cannot write progress`,
                fix: `curl -XPOST '${url}/query' --data-urlencode 'q=CREATE DATABASE "${database}"'`,
              },
            ]);
          }
          return ok(`database ${database} present at ${url}`);
        }
        // InfluxDB 2.x and 3.x: buckets API.
        const buckets = await probe(`${url}/api/v2/buckets?name=${encodeURIComponent(bucket)}`, timeout, {
          headers,
        });
        if ('error' in buckets || buckets.status !== 200) {
          return problem('bucket unknown', [
            {
              what: `cannot list buckets at ${url} (${'error' in buckets ? buckets.error : `HTTP ${buckets.status}`}): is INFLUX_TOKEN right?`,
              fix: 'influx auth list   # then set INFLUX_TOKEN',
            },
          ]);
        }
        const found = ((JSON.parse(buckets.body) as { buckets?: unknown[] }).buckets ?? []).length > 0;
        return found
          ? ok(`bucket ${bucket} present at ${url}`)
          : problem('bucket missing', [
              {
                what: `InfluxDB at ${url} has no bucket ${bucket}`,
                fix: `influx bucket create --name ${bucket} --org ${settings.INFLUX_ORG}`,
              },
            ]);
      },
    },
  ];
}
