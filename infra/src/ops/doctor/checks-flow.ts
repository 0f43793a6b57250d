import { TopicSerde, topics } from '@cellstream/schemas';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { summarize, toDeadLetter } from '../dead-letters.js';
import { readTopic } from '../kafka.js';
import { fetchLag } from '../lag-report.js';
import { restartCommand } from './checks-apps.js';
import type { DoctorDeps } from './context.js';
import { type Check, ok, type Problem, problem, skipped } from './framework.js';

/** Most recent dead letters read per partition to count them and give their reasons. */
const SAMPLE_PER_PARTITION = 500n;

export function flowChecks(deps: DoctorDeps): Check[] {
  const { settings } = deps;
  const eventsTopic = settings.topic(topics.learningEvents.name);
  const dlqTopic = settings.topic(topics.eventsDlq.name);
  // Reading records needs a consumer to join a group: give it most of the check's time.
  const readTimeout = Math.max(1_000, settings.DOCTOR_TIMEOUT_MS - 1_000);

  return [
    {
      id: 'lag',
      title: 'consumer lag',
      needs: ['kafka', 'topics'],
      async run(context) {
        const admin = await deps.admin();
        const groups = await fetchLag(admin, {
          groups: settings.eventGroups.map((entry) => entry.group),
          topicsByGroup: Object.fromEntries(
            settings.eventGroups.map((entry) => [entry.group, [eventsTopic]]),
          ),
        });
        const problems: Problem[] = [];
        const notes: string[] = [];
        for (const { group, app } of settings.eventGroups) {
          const lag = groups.find((entry) => entry.group === group);
          if (!lag) continue;
          notes.push(`${group} ${lag.total}`);
          if (lag.total <= BigInt(settings.DOCTOR_MAX_LAG)) continue;
          const appOk = (await context.outcome(`app:${app}`)).status === 'ok';
          // A group without members because its app is down is that app's problem, reported there.
          if (lag.members === 0 && !appOk) continue;
          const worst = [...lag.partitions]
            .sort((a, b) => Number(b.lag - a.lag))
            .slice(0, 3)
            .map((row) => `p${row.partition} ${row.lag}`)
            .join(', ');
          problems.push({
            what:
              lag.members === 0
                ? `group ${group} (${app}) has no consumer and is ${lag.total} records behind on ${eventsTopic} (${worst})`
                : `group ${group} (${app}) is ${lag.total} records behind on ${eventsTopic} (${worst}) with ${lag.members} member(s), state ${lag.state}: its consumers are stalled or too slow`,
            fix:
              lag.members === 0
                ? 'npm run stack -- start'
                : `${restartCommand(app, settings.appPorts[app])}\nnpm run lag -- --group ${group}   # watch it drain; start more ${app} instances if it does not`,
          });
        }
        if (problems.length > 0) return problem(`behind by more than ${settings.DOCTOR_MAX_LAG}`, problems);
        return ok(`${notes.join(', ') || 'no groups'} records behind (limit ${settings.DOCTOR_MAX_LAG})`);
      },
    },
    {
      id: 'dlq',
      title: 'dead letters',
      needs: ['kafka', 'topics'],
      async run() {
        const admin = await deps.admin();
        const since = Date.now() - settings.DOCTOR_DLQ_WINDOW_MS;
        const [ends, atWindow] = await Promise.all([
          admin.fetchTopicOffsets(dlqTopic),
          admin.fetchTopicOffsetsByTimestamp(dlqTopic, since),
        ]);
        const windowStart = new Map(atWindow.map((entry) => [entry.partition, BigInt(entry.offset)]));
        let total = 0n;
        let recent = 0n;
        for (const end of ends) {
          const high = BigInt(end.high);
          const low = BigInt(end.low);
          total += high - low;
          // -1: no record at or after the timestamp.
          const from = windowStart.get(end.partition) ?? -1n;
          recent += from < 0n ? 0n : high - (from < low ? low : from);
        }
        const minutes = Math.round(settings.DOCTOR_DLQ_WINDOW_MS / 60_000);
        if (recent <= BigInt(settings.DOCTOR_DLQ_MAX_NEW)) {
          return ok(`${recent} new in the last ${minutes} min, ${total} kept in ${dlqTopic}`);
        }
        // Offsets over-count on a transactional topic (the aggregator dead-letters in transactions,
        // and each commit marker takes an offset): read the window to count records and say why.
        let count = `about ${recent}`;
        let reasons = '';
        try {
          const sample = await readTopic(deps.kafka, dlqTopic, {
            timeoutMs: readTimeout,
            startAt: (partition, low, high) => {
              const start = windowStart.get(partition) ?? high;
              return [start, high - SAMPLE_PER_PARTITION, low].reduce((a, b) => (a > b ? a : b));
            },
          });
          const capped = ends.some(
            (end) =>
              BigInt(end.high) - (windowStart.get(end.partition) ?? BigInt(end.high)) > SAMPLE_PER_PARTITION,
          );
          if (!capped) {
            if (sample.length <= settings.DOCTOR_DLQ_MAX_NEW) {
              return ok(
                `${sample.length} new in the last ${minutes} min (allowed ${settings.DOCTOR_DLQ_MAX_NEW}), ${total} offsets kept in ${dlqTopic}`,
              );
            }
            count = String(sample.length);
          }
          const { byCode, byFailedBy } = summarize(sample.map((record) => toDeadLetter(dlqTopic, record)));
          reasons = `; ${capped ? 'latest ' : ''}by code: ${byCode.map(([c, n]) => `${c} ${n}`).join(', ')}; by: ${byFailedBy.map(([c, n]) => `${c} ${n}`).join(', ')}`;
        } catch {
          // The offsets alone still name the problem; the reasons are a courtesy.
        }
        const sinceText = new Date(since).toISOString();
        return problem(`${count} new in the last ${minutes} min`, [
          {
            what: `${count} records dead-lettered to ${dlqTopic} in the last ${minutes} min${reasons}`,
            fix: `npm run dlq -- list --filter since=${sinceText}   # read why, fix the cause, then:\nnpm run dlq -- replay --filter since=${sinceText}`,
          },
        ]);
      },
    },
    {
      id: 'clock',
      title: 'clock skew',
      // Not `registry`: decoding needs only schema ids, which outlive a deleted subject.
      needs: ['kafka', 'topics'],
      async run() {
        const serde = new TopicSerde(new SchemaRegistry({ host: settings.SCHEMA_REGISTRY_URL }), {
          topicPrefix: settings.TOPIC_PREFIX,
        });
        const records = await readTopic(deps.kafka, eventsTopic, {
          timeoutMs: readTimeout,
          startAt: (_partition, low, high) => (high - 5n > low ? high - 5n : low),
        });
        const skews: number[] = [];
        for (const record of records) {
          if (!record.value) continue;
          try {
            const event = await serde.decode(topics.learningEvents.name, record.value);
            skews.push(event.eventTime - Number(record.timestamp));
          } catch {
            // Undecodable records are the DLQ's business.
          }
        }
        if (records.length === 0) return ok(`no events in ${eventsTopic} yet`);
        if (skews.length === 0)
          return skipped(`the ${records.length} latest events could not be decoded (is the registry up?)`);
        skews.sort((a, b) => a - b);
        const median = skews[Math.floor(skews.length / 2)] as number;
        const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
        // Event times behind broker time are normal (the extension queues events while offline); ahead is not.
        if (median > settings.DOCTOR_MAX_CLOCK_SKEW_MS) {
          return problem(`event time ${seconds(median)} ahead`, [
            {
              what: `recent events (${skews.length}) carry event times a median ${seconds(median)} ahead of their Kafka timestamps: students' or ingest's clocks are wrong; live views cap event times at MAX_CLOCK_SKEW_MS`,
              fix: 'timedatectl status   # on the ingest host, then: sudo timedatectl set-ntp true',
            },
          ]);
        }
        return ok(
          `median event time ${median >= 0 ? 'ahead of' : 'behind'} broker time by ${seconds(Math.abs(median))} (${skews.length} recent events)`,
        );
      },
    },
  ];
}
