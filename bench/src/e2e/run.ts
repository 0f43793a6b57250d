import { sleep } from '@cellstream/shared';
import { type SimulationRun, type SimulationSummary, startSimulation } from '@cellstream/simulator';
import { testKafka } from '@cellstream/testkit';
import { type Distribution, type LatencyRecorder, lagIsBounded } from '../stats.js';
import { DashboardFleet } from './dashboards.js';
import { type LagPoint, LagSampler } from './lag.js';
import { PostgresProbe } from './pg-probe.js';
import { Platform } from './platform.js';
import { PostLedger } from './post-ledger.js';

export interface EndToEndOptions {
  rate: number;
  students: number;
  classes: number;
  /** Seconds measured at the fixed rate, after the warm-up. */
  durationSeconds: number;
  warmupSeconds: number;
  flushIntervalMs: number;
  seed: string;
  ramp: { enabled: boolean; start: number; factor: number; stepSeconds: number; maxSteps: number };
  /** Seconds per point of the latency-over-time plot. */
  bucketSeconds: number;
  /** Requests to ingest in flight at once, all simulated browsers together (the load generator's limit). */
  maxInFlight: number;
  keep: boolean;
}

/** The admin that creates the run's classes; kept out of the results. */
export interface Credentials {
  adminUser: string;
  adminPassword: string;
}

export interface LatencySet {
  /** eventTime → dashboard, the simulated browser's buffering included. */
  dashboardFromEvent: Distribution;
  /** Request to ingest → dashboard: the platform alone. */
  dashboardFromPost: Distribution;
  /** eventTime → the row's received_at (insert time, before commit). */
  pgInsertFromEvent: Distribution;
  /** eventTime → the poll that first saw the row (commit, upper bound by one poll interval). */
  pgVisibleFromEvent: Distribution;
  /** Request to ingest → the poll that first saw the row. */
  pgVisibleFromPost: Distribution;
}

export interface GroupLagVerdict {
  bounded: boolean;
  /** Least-squares growth over the second half of the window, records per second. */
  slope: number;
  max: number;
  last: number;
}

export interface RampStep {
  offered: number;
  /** Events ingest accepted per second over the step (after its first quarter). */
  achieved: number;
  failed: number;
  lag: Record<string, GroupLagVerdict>;
  dashboardFromPostP99: number;
  sustained: boolean;
  why: string;
}

export interface EndToEndResult {
  options: EndToEndOptions;
  students: number;
  classes: number;
  dashboards: number;
  fixed: {
    offered: number;
    achieved: number;
    windowSeconds: [number, number];
    latency: LatencySet;
    lag: Record<string, GroupLagVerdict>;
  };
  ramp: { steps: RampStep[]; highestSustained: number | null };
  errors: {
    /** Events given up (retries exhausted or refused) while the fixed load was measured: must be 0. */
    failedDuringFixed: number;
    /** Given up during the ramp (its last step is past the limit by design). */
    failedDuringRamp: number;
    /** Still buffered or in flight when the run stopped and not acknowledged within the drain. */
    abandonedAtStop: number;
    simulatorRejected: number;
    simulatorRetries: number;
    failedByCode: Record<string, number>;
    rejectedByCode: Record<string, number>;
    retriesByCode: Record<string, number>;
    dashboardErrors: number;
    dashboardCloses: number;
    pgProbeErrors: number;
    lagSampleErrors: number;
    appsExited: string[];
  };
  counters: {
    generated: number;
    accepted: number;
    dashboardUpdates: number;
    dashboardMeasured: number;
    dashboardMatched: number;
    pgRows: number;
  };
  ingestRequestLatencyMs: SimulationSummary['requestLatencyMs'];
  series: {
    latency: {
      t: number;
      dashboardP50: number;
      dashboardP99: number;
      dashboardFromEventP99: number;
      pgP99: number;
    }[];
    throughput: {
      t: number;
      offered: number;
      accepted: number;
      kafka: number;
      pgRows: number;
      dashboardUpdates: number;
    }[];
    lag: { t: number; lag: Record<string, number> }[];
    rampMarks: { t: number; rate: number }[];
  };
}

interface Sample {
  t: number;
  offered: number;
  generated: number;
  /** Events buffered or in flight in the simulated browsers. */
  backlog: number;
  accepted: number;
  failed: number;
  updates: number;
  pgRows: number;
}

/**
 * The end-to-end run: the platform's apps as processes, the simulator offering a fixed load
 * while dashboards, a PostgreSQL probe and a lag sampler measure; then a ramp raising the load
 * step by step until the platform stops keeping up.
 */
export async function runEndToEnd(
  options: EndToEndOptions,
  credentials: Credentials,
  log: (line: string) => void,
): Promise<EndToEndResult> {
  const platform = await Platform.start(log);
  const admin = testKafka('bench-e2e').admin();
  await admin.connect();
  const ledger = new PostLedger();
  const fleet = new DashboardFleet(ledger);
  const probe = new PostgresProbe(platform.database.url, ledger);
  let run: SimulationRun | undefined;
  let sampler: LagSampler | undefined;
  let sampling: NodeJS.Timeout | undefined;
  try {
    let origin = 0;
    let classCount = 0;
    run = startSimulation({
      classes: options.classes,
      students: options.students,
      rate: options.rate,
      durationSeconds: 0,
      lmsUrl: platform.url('lms-api'),
      ingestUrl: platform.url('ingest'),
      adminUser: credentials.adminUser,
      adminPassword: credentials.adminPassword,
      classCodePrefix: 'BENCH',
      seed: options.seed,
      demo: false,
      flushIntervalMs: options.flushIntervalMs,
      maxInFlight: options.maxInFlight,
      progressIntervalMs: 10_000,
      log: (line) => log(`simulator: ${line}`),
      onPost: (events, atMs) => ledger.record(events, atMs),
      onReady: async (roster) => {
        if (!roster.instructor) throw new Error('the simulator created no instructor');
        const token = await login(
          platform.url('lms-api'),
          roster.instructor.username,
          roster.instructor.password,
        );
        classCount = roster.classes.length;
        log(`connecting ${classCount} dashboards (one per class)`);
        await fleet.connect(
          platform.realtimeWs,
          token,
          roster.classes.map((entry) => entry.id),
        );
        origin = Date.now();
      },
    });
    const sending = run;
    // Sending begins once onReady resolved (provisioning can take minutes for 10,000 students).
    while (origin === 0) {
      const failed = await Promise.race([
        sending.done.then(
          () => true,
          () => true,
        ),
        sleep(200).then(() => false),
      ]);
      if (failed) await sending.done; // rethrows the provisioning error
    }
    log(`sending at ${options.rate} events/s to ${options.students} students' worth of load`);
    probe.start();
    sampler = new LagSampler(admin, platform.eventsTopic, { ...platform.groups }, origin);
    sampler.start();
    const samples: Sample[] = [];
    const rampMarks: { t: number; rate: number }[] = [{ t: 0, rate: options.rate }];
    sampling = setInterval(() => {
      const progress = sending.progress();
      samples.push({
        t: (Date.now() - origin) / 1000,
        offered: progress.rate,
        generated: progress.generated,
        backlog: progress.backlog,
        accepted: progress.accepted,
        failed: progress.failed,
        updates: fleet.counters.updates,
        pgRows: probe.rows,
      });
    }, 1_000);

    const fixedFrom = options.warmupSeconds;
    const fixedTo = options.warmupSeconds + options.durationSeconds;
    await sleepUntil(origin, fixedTo);
    const window = (recorder: LatencyRecorder, from: number, to: number) =>
      recorder.summary(origin + from * 1000, origin + to * 1000);
    const lagIn = (from: number, to: number, rate: number) =>
      lagVerdicts(sampler?.points ?? [], from, to, rate, Object.keys(platform.groups));
    const failedAfterFixed = sending.progress().failed;
    const fixed = {
      offered: options.rate,
      achieved: acceptedRate(samples, fixedFrom, fixedTo),
      windowSeconds: [fixedFrom, fixedTo] as [number, number],
      latency: {
        dashboardFromEvent: window(fleet.fromEvent, fixedFrom, fixedTo),
        dashboardFromPost: window(fleet.fromPost, fixedFrom, fixedTo),
        pgInsertFromEvent: window(probe.toInsert, fixedFrom, fixedTo),
        pgVisibleFromEvent: window(probe.toVisible, fixedFrom, fixedTo),
        pgVisibleFromPost: window(probe.fromPostToVisible, fixedFrom, fixedTo),
      },
      lag: lagIn(fixedFrom, fixedTo, options.rate),
    };
    log(
      `fixed load: achieved ${fixed.achieved.toFixed(0)} events/s; dashboard p99 ${fixed.latency.dashboardFromPost.p99} ms from the post ` +
        `(${fixed.latency.dashboardFromEvent.p99} ms from eventTime); PostgreSQL p99 ${fixed.latency.pgVisibleFromPost.p99} ms from the post`,
    );

    const steps: RampStep[] = [];
    if (options.ramp.enabled) {
      // A search for the highest sustained rate: up by the factor while steps are sustained,
      // down by it while none has been, then between the highest sustained and the lowest not.
      let rate = options.ramp.start;
      let highestKept: number | undefined;
      let lowestMissed: number | undefined;
      for (let step = 0; step < options.ramp.maxSteps; step++) {
        await drainBrowsers(sending, rate, log);
        const from = (Date.now() - origin) / 1000;
        sending.setRate(rate);
        rampMarks.push({ t: from, rate });
        log(`ramp step ${step + 1}: ${rate} events/s for ${options.ramp.stepSeconds} s`);
        await sleepUntil(origin, from + options.ramp.stepSeconds);
        const to = (Date.now() - origin) / 1000;
        // The first quarter of a step is the platform adjusting to the new rate.
        const settled = from + (to - from) / 4;
        const achieved = acceptedRate(samples, settled, to);
        const failed = delta(samples, settled, to, (s) => s.failed);
        const lag = lagIn(settled, to, rate);
        const unbounded = Object.entries(lag)
          .filter(([, verdict]) => !verdict.bounded)
          .map(([group]) => group);
        const generatedRate = rateOf(samples, settled, to, (s) => s.generated);
        const backlog = samples.at(-1)?.backlog ?? 0;
        const reasons = [
          ...(achieved < rate * 0.95 ? [`ingest accepted ${achieved.toFixed(0)}/s`] : []),
          ...(generatedRate < rate * 0.95
            ? [`the simulated browsers held back (${generatedRate.toFixed(0)}/s generated)`]
            : []),
          // Accepting the rate while working off a queue is not keeping up: the queue must stay short.
          ...(backlog > Math.max(200, rate * 2) ? [`${backlog} events queued in the browsers`] : []),
          ...(failed > 0 ? [`${failed} events failed`] : []),
          ...(unbounded.length > 0 ? [`lag growing in ${unbounded.join(', ')}`] : []),
        ];
        steps.push({
          offered: rate,
          achieved,
          failed,
          lag,
          dashboardFromPostP99: window(fleet.fromPost, settled, to).p99,
          sustained: reasons.length === 0,
          why: reasons.join('; ') || 'kept up',
        });
        log(
          `ramp step ${step + 1}: ${reasons.length === 0 ? 'sustained' : `not sustained (${reasons.join('; ')})`}`,
        );
        if (reasons.length === 0) highestKept = Math.max(highestKept ?? 0, rate);
        else lowestMissed = Math.min(lowestMissed ?? Number.POSITIVE_INFINITY, rate);
        const next = nextRampRate(rate, highestKept, lowestMissed, options.ramp.factor);
        if (next === undefined) break;
        rate = next;
      }
    }
    const endT = (Date.now() - origin) / 1000;
    const failedBeforeStop = sending.progress().failed;
    clearInterval(sampling);
    sampler.stop();
    sending.stop();
    const summary = await sending.done;
    await probe.stop();

    const sustainedRates = [
      ...steps.filter((step) => step.sustained).map((step) => step.offered),
      ...(fixed.achieved >= options.rate * 0.95 &&
      Object.values(fixed.lag).every((verdict) => verdict.bounded)
        ? [options.rate]
        : []),
    ];
    const bucketMs = options.bucketSeconds * 1000;
    const dashboardOverTime = fleet.fromPost.overTime(origin, bucketMs);
    const eventOverTime = new Map(
      fleet.fromEvent.overTime(origin, bucketMs).map((point) => [point.t, point.p99]),
    );
    const pgOverTime = new Map(
      probe.fromPostToVisible.overTime(origin, bucketMs).map((point) => [point.t, point.p99]),
    );
    const lagPoints = sampler.points;
    return {
      options,
      students: summary.students,
      classes: classCount,
      dashboards: fleet.counters.connected,
      fixed,
      ramp: { steps, highestSustained: sustainedRates.length > 0 ? Math.max(...sustainedRates) : null },
      errors: {
        failedDuringFixed: failedAfterFixed,
        failedDuringRamp: failedBeforeStop - failedAfterFixed,
        abandonedAtStop: summary.failed - failedBeforeStop,
        simulatorRejected: summary.rejected,
        simulatorRetries: summary.retries,
        failedByCode: summary.failedByCode,
        rejectedByCode: summary.rejectedByCode,
        retriesByCode: summary.retriesByCode,
        dashboardErrors: fleet.counters.errors,
        dashboardCloses: fleet.counters.closes,
        pgProbeErrors: probe.errors,
        lagSampleErrors: sampler.errors,
        appsExited: platform.exited(),
      },
      counters: {
        generated: summary.generated,
        accepted: summary.accepted,
        dashboardUpdates: fleet.counters.updates,
        dashboardMeasured: fleet.counters.measured,
        dashboardMatched: fleet.counters.matched,
        pgRows: probe.rows,
      },
      ingestRequestLatencyMs: summary.requestLatencyMs,
      series: {
        latency: dashboardOverTime
          .filter((point) => point.t <= endT + options.bucketSeconds)
          .map((point) => ({
            t: point.t,
            dashboardP50: point.p50,
            dashboardP99: point.p99,
            dashboardFromEventP99: eventOverTime.get(point.t) ?? Number.NaN,
            pgP99: pgOverTime.get(point.t) ?? Number.NaN,
          })),
        throughput: throughputSeries(samples, lagPoints),
        lag: lagPoints.map((point) => ({ t: round(point.t), lag: point.lag })),
        rampMarks,
      },
    };
  } finally {
    clearInterval(sampling);
    sampler?.stop();
    run?.abort();
    await run?.done.catch(() => undefined);
    fleet.close();
    await probe.stop().catch(() => undefined);
    await platform.stop(options.keep, admin);
    await admin.disconnect().catch(() => undefined);
  }
}

async function login(lmsUrl: string, username: string, password: string): Promise<string> {
  const response = await fetch(`${lmsUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (!response.ok)
    throw new Error(`login as ${username} failed: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { token: string }).token;
}

async function sleepUntil(origin: number, seconds: number): Promise<void> {
  const wait = origin + seconds * 1000 - Date.now();
  if (wait > 0) await sleep(wait);
}

const round = (value: number) => Math.round(value * 10) / 10;

/** The change of a counter between the samples nearest `from` and `to` seconds. */
function delta(samples: readonly Sample[], from: number, to: number, pick: (s: Sample) => number): number {
  const within = samples.filter((sample) => sample.t >= from && sample.t <= to);
  const first = within[0];
  const last = within.at(-1);
  return first && last ? pick(last) - pick(first) : 0;
}

/** Per second, between the first and last samples within [from, to] seconds. */
export function rateOf(
  samples: readonly Sample[],
  from: number,
  to: number,
  pick: (s: Sample) => number,
): number {
  const within = samples.filter((sample) => sample.t >= from && sample.t <= to);
  const first = within[0];
  const last = within.at(-1);
  if (!first || !last || last.t <= first.t) return 0;
  return (pick(last) - pick(first)) / (last.t - first.t);
}

export const acceptedRate = (samples: readonly Sample[], from: number, to: number) =>
  rateOf(samples, from, to, (s) => s.accepted);

export function lagVerdicts(
  points: readonly LagPoint[],
  from: number,
  to: number,
  rate: number,
  groups: readonly string[],
): Record<string, GroupLagVerdict> {
  const within = points.filter((point) => point.t >= from && point.t <= to);
  const verdicts: Record<string, GroupLagVerdict> = {};
  for (const group of groups) {
    const series = within.map((point) => ({ t: point.t, lag: point.lag[group] ?? 0 }));
    verdicts[group] = lagIsBounded(series, rate);
  }
  return verdicts;
}

function throughputSeries(
  samples: readonly Sample[],
  lag: readonly LagPoint[],
): EndToEndResult['series']['throughput'] {
  const series: EndToEndResult['series']['throughput'] = [];
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1] as Sample;
    const b = samples[i] as Sample;
    const dt = b.t - a.t;
    if (dt <= 0) continue;
    // Kafka's end offsets are sampled less often: the rate between the two lag points around b.
    const after = lag.findIndex((point) => point.t >= b.t);
    const p1 = lag[after];
    const p0 = lag[after - 1];
    const kafka = p0 && p1 && p1.t > p0.t ? (p1.endOffsets - p0.endOffsets) / (p1.t - p0.t) : Number.NaN;
    series.push({
      t: round(b.t),
      offered: b.offered,
      accepted: Math.round((b.accepted - a.accepted) / dt),
      kafka: Math.round(kafka),
      pgRows: Math.round((b.pgRows - a.pgRows) / dt),
      dashboardUpdates: Math.round((b.updates - a.updates) / dt),
    });
  }
  return series;
}

/**
 * The ramp's next rate: up by `factor` while nothing failed, down by it while nothing was
 * sustained, then the geometric middle of the bracket; undefined once the bracket is within 15 %
 * (the step is about the run's noise) or the rate would fall under 10 events/s.
 */
export function nextRampRate(
  rate: number,
  highestKept: number | undefined,
  lowestMissed: number | undefined,
  factor: number,
): number | undefined {
  if (lowestMissed === undefined) return Math.round(rate * factor);
  if (highestKept === undefined) {
    const lower = Math.round(rate / factor);
    return lower >= 10 ? lower : undefined;
  }
  if (lowestMissed / highestKept <= 1.15) return undefined;
  return Math.round(Math.sqrt(highestKept * lowestMissed));
}

/**
 * After an overloaded stretch the simulated browsers hold a queue of events; a step judged on
 * top of it would measure the queue, not the rate. Generation slows to a trickle until the
 * queue is under two seconds of the next rate (or 3 minutes passed).
 */
async function drainBrowsers(
  sending: { setRate(rate: number): void; progress(): { backlog: number } },
  nextRate: number,
  log: (line: string) => void,
): Promise<void> {
  const target = Math.max(200, nextRate * 2);
  if (sending.progress().backlog <= target) return;
  log(`ramp: draining the browsers' queue of ${sending.progress().backlog} events first`);
  sending.setRate(1);
  const deadline = Date.now() + 180_000;
  while (sending.progress().backlog > target && Date.now() < deadline) await sleep(1_000);
}
