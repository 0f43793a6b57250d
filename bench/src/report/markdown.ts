import { type ComponentResult, componentRows } from '../components.js';
import type { EndToEndResult, LatencySet } from '../e2e/run.js';
import type { BenchResults, TargetCheck } from '../results.js';
import type { Distribution } from '../stats.js';

const int = (value: number | undefined | null) =>
  value === undefined || value === null || !Number.isFinite(value)
    ? 'n/a'
    : Math.round(value).toLocaleString('en-US');
const ms = (value: number | undefined) =>
  value === undefined || !Number.isFinite(value) ? 'n/a' : `${int(value)} ms`;
const ratio = (a: number | undefined | null, b: number | undefined | null) =>
  a === undefined ||
  b === undefined ||
  a === null ||
  b === null ||
  !Number.isFinite(a) ||
  !Number.isFinite(b) ||
  b === 0
    ? 'n/a'
    : `${formatRatio(a / b)}×`;

/** Two decimals, or two significant digits for small ratios (0.0019, not 0.00). */
const formatRatio = (value: number) =>
  value !== 0 && Math.abs(value) < 0.1 ? String(Number(value.toPrecision(2))) : value.toFixed(2);
const yesNo = (met: boolean | null) => (met === null ? 'not measured' : met ? '**met**' : '**not met**');

const latencyRows: { key: keyof LatencySet; label: string }[] = [
  { key: 'dashboardFromPost', label: 'request to ingest → dashboard (platform only)' },
  { key: 'dashboardFromEvent', label: 'eventTime → dashboard (with the client’s buffering)' },
  { key: 'pgVisibleFromPost', label: 'request to ingest → PostgreSQL row visible (platform only)' },
  { key: 'pgVisibleFromEvent', label: 'eventTime → PostgreSQL row visible (with the client’s buffering)' },
  { key: 'pgInsertFromEvent', label: 'eventTime → PostgreSQL `received_at` (insert, before commit)' },
];

/** The issues' targets against what this run measured. */
export function checkTargets(results: BenchResults): TargetCheck[] {
  const e2e = results.e2e;
  const checks: TargetCheck[] = [];
  const p99 = (d: Distribution | undefined) => (d && d.count > 0 ? d.p99 : undefined);
  const dash = p99(e2e?.fixed.latency.dashboardFromPost);
  const pg = p99(e2e?.fixed.latency.pgVisibleFromPost);
  const rate = e2e ? `${int(e2e.fixed.offered)} events/s` : 'the offered load';
  // Latency and lag only mean something when the platform took the load offered.
  const taken = e2e ? e2e.fixed.achieved >= e2e.fixed.offered * 0.95 : undefined;
  checks.push({
    target: `the offered ${rate} is taken (ingest accepts at least 95 % of it)`,
    source: 'issue #11 (“at 5,000 events/s”)',
    measured: e2e ? `${int(e2e.fixed.achieved)} events/s accepted` : 'n/a',
    met: taken ?? null,
  });
  checks.push({
    target: `event → dashboard p99 < 1 s at ${rate}`,
    source: 'issue #11',
    measured: dash === undefined ? 'n/a' : `${ms(dash)} (from the request to ingest)`,
    met: dash === undefined ? null : dash < 1000,
  });
  checks.push({
    target: `event → PostgreSQL p99 < 2 s at ${rate}`,
    source: 'issue #11',
    measured: pg === undefined ? 'n/a' : `${ms(pg)} (from the request to ingest, row visible)`,
    met: pg === undefined ? null : pg < 2000,
  });
  if (e2e) {
    const groups = Object.entries(e2e.fixed.lag);
    const growing = groups.filter(([, verdict]) => !verdict.bounded).map(([group]) => group);
    checks.push({
      target: 'no growing consumer lag at the fixed load',
      source: 'issue #11',
      measured:
        groups.length === 0
          ? 'n/a'
          : groups.map(([group, v]) => `${group}: max ${int(v.max)}, slope ${v.slope}/s`).join('; '),
      met: groups.length === 0 ? null : growing.length === 0 && taken === true,
    });
    const errors = e2e.errors.failedDuringFixed + e2e.errors.simulatorRejected + e2e.errors.appsExited.length;
    checks.push({
      target: 'no event lost or refused at the fixed load, no app crashed',
      source: 'issue #11 (errors)',
      measured: `${int(e2e.errors.failedDuringFixed)} failed, ${int(e2e.errors.simulatorRejected)} rejected, apps exited: ${e2e.errors.appsExited.join(', ') || 'none'}`,
      met: errors === 0,
    });
    checks.push({
      target: 'the highest sustained end-to-end load is reported, with its ratio to Kafka’s producer',
      source: 'issue #11',
      measured:
        e2e.ramp.highestSustained === null
          ? 'no load was sustained'
          : `${int(e2e.ramp.highestSustained)} events/s = ${ratio(e2e.ramp.highestSustained, results.kafka?.max.recordsPerSecond)} of Kafka’s producer`,
      met: e2e.ramp.highestSustained !== null && results.kafka !== undefined,
    });
  }
  return checks;
}

function distributionRow(label: string, d: Distribution): string {
  return `| ${label} | ${int(d.count)} | ${ms(d.p50)} | ${ms(d.p90)} | ${ms(d.p99)} | ${ms(d.max)} |`;
}

function headline(results: BenchResults): string[] {
  const e2e = results.e2e;
  const kafka = results.kafka;
  const lines = ['| figure | this run | baseline, same run | ratio |', '|---|---|---|---|'];
  if (e2e) {
    lines.push(
      `| highest sustained end-to-end load | ${e2e.ramp.highestSustained === null ? 'none' : `${int(e2e.ramp.highestSustained)} events/s`} | Kafka’s producer, no limit: ${kafka ? `${int(kafka.max.recordsPerSecond)} records/s` : 'n/a'} | ${ratio(e2e.ramp.highestSustained, kafka?.max.recordsPerSecond)} |`,
      `| accepted at the fixed load | ${int(e2e.fixed.achieved)} events/s | offered: ${int(e2e.fixed.offered)} events/s | ${ratio(e2e.fixed.achieved, e2e.fixed.offered)} |`,
      `| dashboard p99, from the request to ingest | ${ms(e2e.fixed.latency.dashboardFromPost.p99)} | Kafka’s producer ack p99 at ${kafka?.atRate ? `${int(kafka.atRate.throughputLimit)} records/s` : 'the same rate'}: ${ms(kafka?.atRate?.p99Ms)} | ${ratio(e2e.fixed.latency.dashboardFromPost.p99, kafka?.atRate?.p99Ms)} |`,
      `| PostgreSQL p99, from the request to ingest | ${ms(e2e.fixed.latency.pgVisibleFromPost.p99)} | Kafka’s producer ack p99 at the same rate: ${ms(kafka?.atRate?.p99Ms)} | ${ratio(e2e.fixed.latency.pgVisibleFromPost.p99, kafka?.atRate?.p99Ms)} |`,
      `| dashboard p99, from eventTime | ${ms(e2e.fixed.latency.dashboardFromEvent.p99)} | the client’s flush interval alone: ${ms(e2e.options.flushIntervalMs)} | ${ratio(e2e.fixed.latency.dashboardFromEvent.p99, e2e.options.flushIntervalMs)} |`,
    );
  }
  for (const row of componentRows(results.components ?? [])) {
    lines.push(`| ${row.component}: ${row.figure} | ${row.value} | ${row.baseline} | ${row.ratio} |`);
  }
  return lines;
}

function componentSection(component: ComponentResult): string[] {
  const status = component.timedOut
    ? 'timed out'
    : component.exitCode === 0
      ? 'exit 0'
      : `**failed** (exit ${component.exitCode})`;
  return [
    `### ${component.name}`,
    '',
    `\`${component.command.replace(/^npm /, 'npm ')}\` — ${status}, ${component.seconds} s.`,
    '',
    ...(component.resultLines.length > 0
      ? ['```', ...component.resultLines, '```']
      : ['No result lines were printed (see the run’s output).']),
    '',
  ];
}

function endToEndSection(e2e: EndToEndResult): string[] {
  const o = e2e.options;
  const lines = [
    '## End to end',
    '',
    `The platform’s apps ran as processes from their builds (lms-api, ingest, aggregator, persister, realtime; \`NODE_ENV=production\`, each app’s defaults) against the stack’s Kafka, registry, PostgreSQL and InfluxDB, on topics, consumer groups, a database and a bucket of the run’s own. The simulator created ${int(e2e.classes)} classes and ${int(e2e.students)} students through lms-api and offered ${int(o.rate)} events/s, posting through ingest as the extension does (a buffer per student, posted when its oldest event is ${int(o.flushIntervalMs)} ms old; at most ${int(o.maxInFlight)} requests open at once over all students, the load generator’s own limit). ${int(e2e.dashboards)} dashboard WebSocket clients (one per class) timed each student status on arrival; a probe polled \`cell_executions\` every 250 ms; each consumer group’s lag was sampled every 2 s. Measured: ${int(o.durationSeconds)} s after a ${int(o.warmupSeconds)} s warm-up.`,
    '',
    '| latency at the fixed load | samples | p50 | p90 | p99 | max |',
    '|---|---|---|---|---|---|',
    ...latencyRows.map((row) => distributionRow(row.label, e2e.fixed.latency[row.key])),
    '',
    'The issue’s targets (dashboard p99 < 1 s, PostgreSQL p99 < 2 s) are compared with the figures **from the request to ingest**: the extension holds each event up to its flush interval before posting it (by design, to batch), so eventTime → dashboard includes up to that interval of client-side waiting that no server can remove. Both are shown.',
    '',
    '| consumer group | lag bounded | max lag (records) | last | slope over the 2nd half (records/s) |',
    '|---|---|---|---|---|',
    ...Object.entries(e2e.fixed.lag).map(
      ([group, v]) =>
        `| ${group} | ${v.bounded ? 'yes' : '**no**'} | ${int(v.max)} | ${int(v.last)} | ${v.slope} |`,
    ),
    '',
    'realtime reads with a consumer group of its own per instance and commits no offsets (it rebuilds its state from the compacted topics), so it has no committed lag to sample; its delay is the dashboard latency above.',
    '',
    `Errors over the whole run: events given up at the fixed load ${int(e2e.errors.failedDuringFixed)}, during the ramp ${int(e2e.errors.failedDuringRamp)}, left unacknowledged when the run stopped ${int(e2e.errors.abandonedAtStop)} (by code: ${JSON.stringify(e2e.errors.failedByCode)}), rejected ${int(e2e.errors.simulatorRejected)} ${JSON.stringify(e2e.errors.rejectedByCode)}, retried requests ${int(e2e.errors.simulatorRetries)} ${JSON.stringify(e2e.errors.retriesByCode)}; dashboard errors ${int(e2e.errors.dashboardErrors)}, unexpected closes ${int(e2e.errors.dashboardCloses)}; probe errors ${int(e2e.errors.pgProbeErrors)}; lag samples failed ${int(e2e.errors.lagSampleErrors)}; apps that exited: ${e2e.errors.appsExited.join(', ') || 'none'}.`,
    '',
    `Counters: ${int(e2e.counters.generated)} events generated, ${int(e2e.counters.accepted)} accepted by ingest, ${int(e2e.counters.pgRows)} \`cell_executions\` rows seen, ${int(e2e.counters.dashboardUpdates)} student statuses on the dashboards (${int(e2e.counters.dashboardMeasured)} of them for a new event, ${int(e2e.counters.dashboardMatched)} matched to their request). Ingest’s answer to the simulator: p50 ${ms(e2e.ingestRequestLatencyMs.p50)}, p99 ${ms(e2e.ingestRequestLatencyMs.p99)}, max ${ms(e2e.ingestRequestLatencyMs.max)}.`,
    '',
  ];
  if (e2e.ramp.steps.length > 0) {
    lines.push(
      '### Ramp',
      '',
      `A search for the highest sustained load, in steps of ${o.ramp.stepSeconds} s (at most ${o.ramp.maxSteps}): from ${int(o.ramp.start)} events/s up by ×${o.ramp.factor} while steps were sustained, down by it while none had been, then the geometric middle of the highest sustained and the lowest not, until they were within 15 %. Before a step, the simulated browsers' queue left by an overloaded one was drained at a trickle (not measured). A step is sustained when the simulated browsers generated and ingest accepted at least 95 % of the offered rate, fewer than two seconds of events stayed queued in the browsers, no event failed, and every group’s lag stayed bounded (at most two seconds of events behind, or growing by no more than 2 % of the rate), each judged after the step’s first quarter.`,
      '',
      '| step | offered (events/s) | accepted (events/s) | failed | dashboard p99 from the post | lag (max per group) | verdict |',
      '|---|---|---|---|---|---|---|',
      ...e2e.ramp.steps.map(
        (step, index) =>
          `| ${index + 1} | ${int(step.offered)} | ${int(step.achieved)} | ${int(step.failed)} | ${ms(step.dashboardFromPostP99)} | ${Object.entries(
            step.lag,
          )
            .map(([group, v]) => `${group} ${int(v.max)}`)
            .join(', ')} | ${step.sustained ? 'sustained' : `not sustained: ${step.why}`} |`,
      ),
      '',
      `Highest sustained load: **${e2e.ramp.highestSustained === null ? 'none' : `${int(e2e.ramp.highestSustained)} events/s`}**${e2e.ramp.steps.every((step) => step.sustained) ? ' (every step was sustained: the limit is above the last step)' : ''}.`,
      '',
    );
  }
  return lines;
}

/** docs/benchmarks.md, generated: every figure beside its baseline from the same run. */
export function renderMarkdown(results: BenchResults): string {
  const m = results.machine;
  const lines: string[] = [
    '# Benchmarks',
    '',
    `Generated by \`${results.command}\` on ${results.generatedAt.slice(0, 16).replace('T', ' ')} UTC (${results.mode} run, ${int(results.totalSeconds / 60)} min). Do not edit by hand: rerun the command. Every figure stands beside a baseline measured in the same run on the same machine, so background load weighs on both.`,
    '',
    '## Machine',
    '',
    '| | |',
    '|---|---|',
    `| CPU | ${m.cpuModel}, ${m.cores} cores |`,
    `| memory | ${m.memoryGiB} GiB |`,
    `| OS | ${m.os}, Linux ${m.kernel} |`,
    `| Node.js | ${m.node} |`,
    `| Java | ${m.java} |`,
    `| Kafka | ${m.kafka} (one KRaft broker, the local stack) |`,
    `| load average at start | ${m.loadAverageAtStart.join(', ')} (1, 5, 15 min); at the end ${results.loadAverageAtEnd.join(', ')} |`,
    '',
  ];
  if (results.mode === 'quick') {
    lines.push(
      '> **A quick run**: small loads and short phases, to check that everything works. The figures are not the benchmark; run `npm run bench` (the full default) on a quiet machine for those.',
      '',
    );
  }
  if (results.failures.length > 0) {
    lines.push(
      '## Phases that failed',
      '',
      ...results.failures.map((f) => `- **${f.phase}**: ${f.message.split('\n')[0]}`),
      '',
    );
  }
  lines.push('## Targets', '', '| target | from | measured | |', '|---|---|---|---|');
  for (const check of checkTargets(results)) {
    lines.push(`| ${check.target} | ${check.source} | ${check.measured} | ${yesNo(check.met)} |`);
  }
  for (const component of results.components ?? []) {
    // Lines that state a target; the persister's table rows carry theirs in a column.
    const stating = component.resultLines.filter((l) => /target|>=/i.test(l) && !/^store\s/.test(l));
    for (const line of stating) {
      lines.push(
        `| ${component.name}: see its line | its issue | \`${line.replaceAll('|', '\\|')}\` | as printed |`,
      );
    }
  }
  lines.push('', '## Headline figures', '', ...headline(results), '');
  if (results.e2e) lines.push(...endToEndSection(results.e2e));
  if (results.plots.length > 0) {
    lines.push('## Plots', '', ...results.plots.flatMap((plot) => [`![${plot.title}](${plot.file})`, '']));
  }
  if (results.kafka) {
    const k = results.kafka;
    lines.push(
      '## Kafka’s own producer (the raw limit)',
      '',
      `\`org.apache.kafka.tools.ProducerPerformance\` from the same Maven jars as the broker, on a fresh topic of ${k.partitions} partitions, records of ${k.max.recordSize} bytes (about an Avro learning event), \`acks=all\`, the producer’s defaults otherwise (idempotent).`,
      '',
      '```',
      `${k.max.command}`,
      k.max.line,
      ...(k.atRate ? [k.atRate.command, k.atRate.line] : []),
      '```',
      '',
    );
  }
  if (results.components && results.components.length > 0) {
    lines.push(
      '## Component benchmarks',
      '',
      'Each app’s own benchmark (from its issue), run as it is; its result lines are quoted verbatim, each with the baseline and ratio the script measures itself.',
      '',
      ...results.components.flatMap(componentSection),
    );
  }
  lines.push('Raw figures: [`bench/results.json`](bench/results.json).', '');
  return lines.join('\n');
}
