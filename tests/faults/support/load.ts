import { randomBytes } from 'node:crypto';
import { sleep } from '@cellstream/shared';
import type { RosterEntry } from '@cellstream/simulator';

export interface LoadOptions {
  /** Events per second, all students together. */
  rate: number;
  /** Requests in flight at most; further batches wait their turn (the backlog). */
  maxInFlight?: number;
  /** Events per request (one student's batch). */
  batchSize?: number;
  /** Share of executions that fail (cell_execution_error). */
  errorShare?: number;
}

interface Batch {
  student: RosterEntry;
  events: Record<string, unknown>[];
  attempts: number;
}

/**
 * A steady stream of cell executions posted to ingest by real students with their real tokens,
 * retried as the extension retries (on 503, 429, 5xx and network errors, after `Retry-After`).
 * It remembers every event ingest acknowledged with 202: the ground truth of "nothing lost".
 */
export class EventLoad {
  /** eventId → classId and kind of every acknowledged event. */
  readonly accepted = new Map<string, { classId: string; error: boolean }>();
  /** Answers by status (`network` when no answer came). */
  readonly answers = new Map<string, number>();
  /** 503 answers, and how many of them carried a Retry-After header. */
  unavailable = { total: 0, withRetryAfter: 0 };
  /** Events ingest rejected one by one inside a 202 (there should be none). */
  rejected = 0;
  /** Good batches answered with a 4xx other than 429: each one a bug. */
  refused = 0;
  retries = 0;
  maxBacklog = 0;

  private readonly runId = randomBytes(4).toString('hex');
  private sequence = 0;
  private readonly queue: Batch[] = [];
  private inFlight = 0;
  private running = false;
  private ticker: Promise<void> | undefined;
  private readonly lastTime = new Map<string, number>();
  private readonly sessions = new Map<string, string>();

  constructor(
    private readonly ingestUrl: string,
    private readonly students: readonly RosterEntry[],
    private readonly options: LoadOptions,
  ) {}

  get sent(): number {
    return this.sequence;
  }

  get backlog(): number {
    return this.queue.length + this.inFlight;
  }

  start(): void {
    this.running = true;
    this.ticker = this.tick();
  }

  /** Stops offering new events and waits until every one offered so far is acknowledged. */
  async stop(timeoutMs = 180_000): Promise<void> {
    this.running = false;
    await this.ticker;
    const deadline = Date.now() + timeoutMs;
    while (this.backlog > 0) {
      if (Date.now() > deadline) throw new Error(`${this.backlog} batches still unacknowledged`);
      this.pump();
      await sleep(50);
    }
  }

  /** Acknowledged executions per class: what PostgreSQL and the aggregates must hold. */
  expectedByClass(): Map<string, { executions: number; errors: number }> {
    const byClass = new Map<string, { executions: number; errors: number }>();
    for (const { classId, error } of this.accepted.values()) {
      const counts = byClass.get(classId) ?? { executions: 0, errors: 0 };
      if (error) counts.errors++;
      else counts.executions++;
      byClass.set(classId, counts);
    }
    return byClass;
  }

  private async tick(): Promise<void> {
    const intervalMs = 100;
    const batchSize = this.options.batchSize ?? 5;
    let credit = 0;
    let next = 0;
    while (this.running) {
      credit += (this.options.rate * intervalMs) / 1000;
      while (credit >= 1) {
        const student = this.students[next++ % this.students.length] as RosterEntry;
        const count = Math.min(batchSize, Math.floor(credit));
        credit -= count;
        this.queue.push({ student, events: this.events(student, count), attempts: 0 });
      }
      this.maxBacklog = Math.max(this.maxBacklog, this.backlog);
      this.pump();
      await sleep(intervalMs);
    }
  }

  private events(student: RosterEntry, count: number): Record<string, unknown>[] {
    const session = this.sessions.get(student.userId) ?? `s-${this.runId}-${student.userId}`;
    this.sessions.set(student.userId, session);
    return Array.from({ length: count }, () => {
      const seq = ++this.sequence;
      // Strictly increasing times per student: InfluxDB keeps one point per series and time.
      const time = Math.max(Date.now(), (this.lastTime.get(student.userId) ?? 0) + 1);
      this.lastTime.set(student.userId, time);
      const error = Math.random() < (this.options.errorShare ?? 0.2);
      return {
        eventId: `f-${this.runId}-${seq}`,
        eventType: error ? 'cell_execution_error' : 'cell_execution_complete',
        eventTime: new Date(time).toISOString(),
        userId: student.userId,
        classId: student.classId,
        sessionId: session,
        notebookPath: 'faults/lists-and-loops.ipynb',
        cellId: `cell-${seq % 12}`,
        cellIndex: seq % 12,
        cellType: 'code',
        executionCount: seq,
        code: 'for i in range(3): print(i)',
        hasError: error,
        ...(error
          ? { errorName: 'NameError', errorMessage: "name 'x' is not defined" }
          : { result: '0 1 2' }),
        executionDurationMs: 12,
      };
    });
  }

  private pump(): void {
    const maxInFlight = this.options.maxInFlight ?? 16;
    while (this.inFlight < maxInFlight && this.queue.length > 0) {
      const batch = this.queue.shift() as Batch;
      this.inFlight++;
      void this.post(batch).finally(() => {
        this.inFlight--;
      });
    }
  }

  private count(answer: string): void {
    this.answers.set(answer, (this.answers.get(answer) ?? 0) + 1);
  }

  private async post(batch: Batch): Promise<void> {
    for (;;) {
      batch.attempts++;
      let status: number | undefined;
      let retryAfterMs = 500;
      try {
        const response = await fetch(`${this.ingestUrl}/api/v1/events`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${batch.student.tokens.token()}`,
            'content-type': 'application/json',
          },
          body: JSON.stringify(batch.events),
          signal: AbortSignal.timeout(30_000),
        });
        status = response.status;
        this.count(String(status));
        if (status === 202) {
          const body = (await response.json()) as { rejected?: { index: number }[] };
          const rejected = new Set((body.rejected ?? []).map((rejection) => rejection.index));
          this.rejected += rejected.size;
          batch.events.forEach((event, index) => {
            if (!rejected.has(index))
              this.accepted.set(event.eventId as string, {
                classId: event.classId as string,
                error: event.eventType === 'cell_execution_error',
              });
          });
          return;
        }
        const retryAfter = response.headers.get('retry-after');
        await response.body?.cancel();
        if (status === 503) {
          this.unavailable.total++;
          if (retryAfter !== null) this.unavailable.withRetryAfter++;
        }
        if (retryAfter !== null && Number.isFinite(Number(retryAfter)))
          retryAfterMs = Math.min(Number(retryAfter) * 1000, 5_000);
        if (status !== 503 && status !== 429 && status < 500) {
          this.refused++;
          return;
        }
      } catch {
        // No answer (ingest down, connection reset): the batch is sent again.
        if (status === undefined) this.count('network');
      }
      this.retries++;
      // Jittered, capped: a crowd of clients must not come back at the same instant.
      await sleep(retryAfterMs / 2 + Math.random() * (retryAfterMs / 2));
    }
  }
}
