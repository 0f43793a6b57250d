import type { Roster } from './provision.js';
import type { SimulationOptions } from './simulator.js';
import type { RunStats } from './stats.js';

/** The end of a run, printed on stderr and, with `--json`, as JSON on stdout. */
export interface SimulationSummary {
  runId: string;
  seed: string;
  mode: 'demo' | 'created';
  lms: string;
  ingest: string;
  classes: { id: string; code: string }[];
  instructor: string | null;
  students: number;
  targetRate: number;
  startedAt: string;
  endedAt: string;
  /** Seconds the students were generating events (provisioning and the final drain excluded). */
  sendingSeconds: number;
  /** Minutes the students lived through in their own time (think times compressed or stretched). */
  simulatedMinutes: number;
  generated: number;
  sent: number;
  accepted: number;
  rejected: number;
  failed: number;
  retries: number;
  requests: number;
  batches: number;
  gzippedBatches: number;
  bytesSent: number;
  /** Events the students produced per second of sending (the closing events of the end excluded). */
  achievedRate: number;
  eventsByType: Record<string, number>;
  rejectedByCode: Record<string, number>;
  failedByCode: Record<string, number>;
  retriesByCode: Record<string, number>;
  requestLatencyMs: { count: number; p50: number; p95: number; p99: number; max: number };
}

export function summarise(input: {
  options: SimulationOptions;
  roster: Roster;
  runId: string;
  stats: RunStats;
  startedAt: Date;
  generationMs: number;
  generatedWhileSending: number;
  virtualMs: number;
}): SimulationSummary {
  const { options, roster, stats } = input;
  const sendingSeconds = input.generationMs / 1000;
  return {
    runId: input.runId,
    seed: options.seed,
    mode: roster.mode,
    lms: options.lmsUrl,
    ingest: options.ingestUrl,
    classes: roster.classes,
    instructor: roster.instructor?.username ?? null,
    students: roster.students.length,
    targetRate: options.rate,
    startedAt: input.startedAt.toISOString(),
    endedAt: new Date().toISOString(),
    sendingSeconds: round(sendingSeconds),
    simulatedMinutes: round(input.virtualMs / 60_000),
    generated: stats.generated,
    sent: stats.sent,
    accepted: stats.accepted,
    rejected: stats.rejected,
    failed: stats.failed,
    retries: stats.retries,
    requests: stats.requests,
    batches: stats.batches,
    gzippedBatches: stats.gzippedBatches,
    bytesSent: stats.bytesSent,
    achievedRate: round(input.generatedWhileSending / Math.max(sendingSeconds, 0.001)),
    eventsByType: stats.eventsByType,
    rejectedByCode: stats.rejectedByCode,
    failedByCode: stats.failedByCode,
    retriesByCode: stats.retriesByCode,
    requestLatencyMs: stats.latency.summary(),
  };
}

const round = (value: number) => Math.round(value * 100) / 100;

const list = (counts: Record<string, number>) =>
  Object.entries(counts)
    .sort(([, a], [, b]) => b - a)
    .map(([key, count]) => `${key} ${count}`)
    .join(', ') || 'none';

/** The summary for a person, several lines. */
export function formatSummary(summary: SimulationSummary): string {
  const latency = summary.requestLatencyMs;
  const classCodes = summary.classes.map((row) => `${row.code} (id ${row.id})`);
  return [
    `run ${summary.runId} (seed ${summary.seed}), ${summary.mode === 'demo' ? 'demo class' : 'created classes'}:`,
    `  classes      ${classCodes.slice(0, 5).join(', ')}${classCodes.length > 5 ? `, ... (${classCodes.length})` : ''}`,
    ...(summary.instructor ? [`  instructor   ${summary.instructor} (password = username)`] : []),
    `  students     ${summary.students}`,
    `  sending      ${summary.sendingSeconds} s at target ${summary.targetRate}/s, achieved ${summary.achievedRate}/s (${summary.simulatedMinutes} student-minutes simulated)`,
    `  events       generated ${summary.generated}, sent ${summary.sent}, accepted ${summary.accepted}, rejected ${summary.rejected}, failed ${summary.failed}`,
    `  requests     ${summary.requests} (${summary.batches} batches, ${summary.gzippedBatches} gzipped, ${summary.retries} retries), ${(summary.bytesSent / 1024).toFixed(1)} KiB`,
    `  latency      p50 ${latency.p50} ms, p95 ${latency.p95} ms, p99 ${latency.p99} ms, max ${latency.max} ms`,
    `  by type      ${list(summary.eventsByType)}`,
    ...(summary.rejected > 0 ? [`  rejected     ${list(summary.rejectedByCode)}`] : []),
    ...(summary.failed > 0 ? [`  failed       ${list(summary.failedByCode)}`] : []),
    ...(summary.retries > 0 ? [`  retried      ${list(summary.retriesByCode)}`] : []),
  ].join('\n');
}
