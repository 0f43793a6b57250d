import { randomUUID } from 'node:crypto';
import { type BehaviourConfig, behaviourDefaults } from './behaviour.js';
import type { SimEvent } from './events.js';
import type { FetchLike } from './http.js';
import { IngestClient } from './ingest-client.js';
import { LmsClient } from './lms-client.js';
import { Pacer } from './pacer.js';
import { provisionClasses, provisionDemo, type Roster } from './provision.js';
import { Random } from './random.js';
import { BatchSender, senderDefaults } from './sender.js';
import { RunStats } from './stats.js';
import { StudentModel } from './student.js';
import { type SimulationSummary, summarise } from './summary.js';

export interface SimulationOptions {
  classes: number;
  /** Students in all, spread over the classes (demo: at most the 8 demo students). */
  students: number;
  /** Events per second, all students together. */
  rate: number;
  /** Seconds of sending; 0 runs until `stop()` (Ctrl-C). */
  durationSeconds: number;
  lmsUrl: string;
  ingestUrl: string;
  adminUser: string;
  adminPassword: string;
  classCodePrefix: string;
  seed: string;
  /** Use lms-api's SEED_DEMO class PY101 and its students instead of creating classes. */
  demo: boolean;
  behaviour?: Partial<BehaviourConfig>;
  /** Requests to ingest in flight at once. */
  maxInFlight?: number;
  /** A student's buffer is posted once its oldest event is this old (the extension's 1 s). */
  flushIntervalMs?: number;
  /** Awaited once the roster exists, before any event is sent (a benchmark connects its dashboards). */
  onReady?: (roster: Roster) => void | Promise<void>;
  /** Told of each request to ingest just before it is posted, retries included. */
  onPost?: (events: readonly SimEvent[], atMs: number) => void;
  progressIntervalMs?: number;
  /** How long the end of a run waits for the last answers before counting them failed. */
  drainTimeoutMs?: number;
  log?: (line: string) => void;
  fetch?: FetchLike;
}

/** The run's counters at one moment (for progress sampled from outside). */
export interface SimulationProgress {
  generated: number;
  sent: number;
  accepted: number;
  rejected: number;
  failed: number;
  retries: number;
  /** Events buffered or in flight. */
  backlog: number;
  /** The rate asked for now, events per second. */
  rate: number;
}

export interface SimulationRun {
  /** Change the offered rate from now on (events per second); ignored until sending has begun. */
  setRate(rate: number): void;
  /** The counters now; all zero until sending has begun. */
  progress(): SimulationProgress;
  /** Stop generating, end every session cleanly, send what is left, then resolve `done`. */
  stop(): void;
  /** Stop now: cancel what is in flight (counted failed, SIM_ABORTED). */
  abort(): void;
  done: Promise<SimulationSummary>;
}

const TICK_MS = 25;
const SWEEP_EVERY_TICKS = 4;

export function runSimulation(options: SimulationOptions): Promise<SimulationSummary> {
  return startSimulation(options).done;
}

/**
 * A run: provision the roster through lms-api, then one timer drives everything. Each tick the
 * pacer hands out the events due under the rate, the sender buffers them per student, and every
 * few ticks posts the buffers that are due. Generation pauses while the backlog (buffered and in
 * flight) is above ten seconds of events, so a slow ingest is not buried.
 */
export function startSimulation(options: SimulationOptions): SimulationRun {
  const log = options.log ?? ((line: string) => process.stderr.write(`simulate: ${line}\n`));
  let stopRequested: () => void = () => {};
  const stopped = new Promise<void>((resolve) => {
    stopRequested = resolve;
  });
  let sender: BatchSender | undefined;
  let aborted = false;
  let live: { pacer: Pacer; stats: RunStats; sender: BatchSender } | undefined;

  const done = (async (): Promise<SimulationSummary> => {
    const startedAt = new Date();
    const lms = new LmsClient(options.lmsUrl, options.fetch);
    const roster: Roster = options.demo
      ? await provisionDemo({ lms, students: options.students, log })
      : await provisionClasses({
          lms,
          classes: options.classes,
          students: options.students,
          prefix: options.classCodePrefix,
          adminUser: options.adminUser,
          adminPassword: options.adminPassword,
          ...(options.durationSeconds > 0
            ? { tokenTtlDays: Math.ceil((options.durationSeconds + 3_600) / 86_400) }
            : {}),
          log,
        });

    const runId = randomUUID();
    const rng = new Random(options.seed);
    const behaviour = { ...behaviourDefaults, ...options.behaviour };
    const metadata = { source: 'cellstream-simulator', runId };
    const students = roster.students.map(
      (entry) =>
        new StudentModel({
          userId: entry.userId,
          classId: entry.classId,
          rng: rng.fork(`student/${entry.userId}`),
          behaviour,
          metadata,
        }),
    );
    const stats = new RunStats();
    const warned = new Set<string>();
    const activeSender = new BatchSender(
      roster.students.map((entry) => entry.tokens),
      {
        client: new IngestClient(options.ingestUrl, options.fetch),
        stats,
        maxInFlight: options.maxInFlight ?? senderDefaults.maxInFlight,
        flushIntervalMs: options.flushIntervalMs ?? senderDefaults.flushIntervalMs,
        ...(options.onPost ? { onPost: options.onPost } : {}),
        onGiveUp: (error, events) => {
          if (warned.has(error.code)) return;
          warned.add(error.code);
          log(
            `gave up on a batch of ${events} events (${error.code}: ${error.message}); further ones counted`,
          );
        },
      },
    );
    sender = activeSender;
    if (aborted) activeSender.abort();
    await options.onReady?.(roster);
    const pacer = new Pacer(students, { rate: options.rate, rng: rng.fork('pacer'), nowMs: Date.now() });
    live = { pacer, stats, sender: activeSender };
    // Ten seconds of events at the current rate (the ramp changes it).
    const maxBacklog = () => Math.max(1_000, Math.ceil(pacer.rate * 10));

    log(
      `${students.length} students in ${roster.classes.length} class(es), ${options.rate} events/s, ` +
        `${options.durationSeconds > 0 ? `${options.durationSeconds} s` : 'until Ctrl-C'}, seed ${options.seed}`,
    );
    const sendingSince = Date.now();
    let ticks = 0;
    let allDone!: () => void;
    const finished = new Promise<void>((resolve) => {
      allDone = resolve;
    });
    const timer = setInterval(() => {
      const emitted = pacer.tick(Date.now(), maxBacklog() - activeSender.backlog);
      for (const { index, event } of emitted) {
        stats.countGenerated(event.eventType);
        activeSender.enqueue(index, event);
      }
      if (++ticks % SWEEP_EVERY_TICKS === 0) activeSender.sweep();
      if (pacer.active === 0) allDone();
    }, TICK_MS);

    let last = { at: sendingSince, accepted: 0 };
    const progress = setInterval(() => {
      const now = Date.now();
      const rate = ((stats.accepted - last.accepted) * 1000) / Math.max(1, now - last.at);
      last = { at: now, accepted: stats.accepted };
      log(
        `${Math.round((now - sendingSince) / 1000)}s sent ${stats.sent} accepted ${stats.accepted} ` +
          `rejected ${stats.rejected} retries ${stats.retries} failed ${stats.failed} ` +
          `backlog ${activeSender.backlog} rate ${rate.toFixed(1)}/s (target ${pacer.rate})`,
      );
    }, options.progressIntervalMs ?? 5_000);

    const waits: Promise<unknown>[] = [stopped, finished];
    let durationTimer: NodeJS.Timeout | undefined;
    if (options.durationSeconds > 0) {
      waits.push(
        new Promise((resolve) => (durationTimer = setTimeout(resolve, options.durationSeconds * 1_000))),
      );
    }
    await Promise.race(waits);
    clearInterval(timer);
    clearTimeout(durationTimer);
    const generationMs = Date.now() - sendingSince;
    const generatedWhileSending = stats.generated;

    // End every open session cleanly: the dashboard should not show ghosts of the run.
    const now = new Date();
    students.forEach((student, index) => {
      for (const event of student.wrapUp(now)) {
        stats.countGenerated(event.eventType);
        activeSender.enqueue(index, event);
      }
    });
    log(`stopping: sending the last ${activeSender.backlog} events`);
    await activeSender.drain(options.drainTimeoutMs ?? 30_000);
    clearInterval(progress);

    return summarise({
      options,
      roster,
      runId,
      stats,
      startedAt,
      generationMs,
      generatedWhileSending,
      virtualMs: pacer.virtualMs,
    });
  })();

  return {
    setRate: (rate) => live?.pacer.setRate(rate, Date.now()),
    progress: () => ({
      generated: live?.stats.generated ?? 0,
      sent: live?.stats.sent ?? 0,
      accepted: live?.stats.accepted ?? 0,
      rejected: live?.stats.rejected ?? 0,
      failed: live?.stats.failed ?? 0,
      retries: live?.stats.retries ?? 0,
      backlog: live?.sender.backlog ?? 0,
      rate: live?.pacer.rate ?? options.rate,
    }),
    stop: () => stopRequested(),
    abort: () => {
      aborted = true;
      stopRequested();
      sender?.abort();
    },
    done,
  };
}
