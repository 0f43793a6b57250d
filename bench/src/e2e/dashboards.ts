import WebSocket from 'ws';
import { LatencyRecorder } from '../stats.js';
import type { PostLedger } from './post-ledger.js';

/** What a dashboard saw of the run. */
export interface DashboardCounters {
  connected: number;
  /** student_status messages received (snapshots excluded). */
  updates: number;
  /** Updates whose lastEventTime was newer than the last one seen for that student (measured). */
  measured: number;
  /** Measured updates whose event was found in the post ledger. */
  matched: number;
  errors: number;
  closes: number;
}

/** Milliseconds since the epoch from the JSON of an Avro timestamp-millis (a number or an ISO string). */
export function timeOf(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string') {
    const parsed = Date.parse(value);
    return Number.isNaN(parsed) ? undefined : parsed;
  }
  return undefined;
}

/**
 * One WebSocket client per class, as instructors' dashboards (CONTRACT.md, "Realtime"): auth,
 * subscribe, then each `student_status` is timed on arrival against its `lastEventTime` (the
 * whole path, the simulated browser's buffering included) and against the moment that event was
 * posted to ingest (the platform alone). A status is measured once per new event of a student:
 * later re-emissions of the same event (status changes, snapshots) are not.
 */
export class DashboardFleet {
  readonly fromEvent = new LatencyRecorder();
  readonly fromPost = new LatencyRecorder();
  readonly counters: DashboardCounters = {
    connected: 0,
    updates: 0,
    measured: 0,
    matched: 0,
    errors: 0,
    closes: 0,
  };
  private readonly sockets: WebSocket[] = [];
  private readonly lastSeen = new Map<string, number>();
  private stopping = false;

  constructor(
    private readonly ledger: PostLedger,
    private readonly now: () => number = Date.now,
  ) {}

  async connect(url: string, token: string, classIds: readonly string[], timeoutMs = 60_000): Promise<void> {
    // A few at a time: hundreds of simultaneous handshakes on a busy small machine time out.
    const queue = [...classIds];
    const worker = async () => {
      for (let classId = queue.shift(); classId !== undefined; classId = queue.shift()) {
        await this.open(url, token, classId, timeoutMs);
      }
    };
    await Promise.all(Array.from({ length: Math.min(16, queue.length) }, worker));
  }

  /** Handles one server message (exported for the unit tests through the class). */
  onMessage(text: string): void {
    let message: { type?: string; userId?: unknown; classId?: unknown; lastEventTime?: unknown };
    try {
      message = JSON.parse(text) as typeof message;
    } catch {
      this.counters.errors++;
      return;
    }
    if (message.type === 'error') {
      this.counters.errors++;
      return;
    }
    if (message.type !== 'student_status') return;
    this.counters.updates++;
    const arrived = this.now();
    const eventTime = timeOf(message.lastEventTime);
    if (eventTime === undefined || typeof message.userId !== 'string') return;
    const student = `${String(message.classId)}/${message.userId}`;
    const previous = this.lastSeen.get(student);
    if (previous !== undefined && eventTime <= previous) return;
    this.lastSeen.set(student, eventTime);
    this.counters.measured++;
    this.fromEvent.add(arrived, arrived - eventTime);
    const posted = this.ledger.postedAt(message.userId, eventTime);
    if (posted !== undefined) {
      this.counters.matched++;
      this.fromPost.add(arrived, arrived - posted);
    }
  }

  close(): void {
    this.stopping = true;
    for (const socket of this.sockets) socket.terminate();
  }

  private open(url: string, token: string, classId: string, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      this.sockets.push(socket);
      const timer = setTimeout(() => {
        socket.terminate();
        reject(new Error(`dashboard for class ${classId} not subscribed within ${timeoutMs} ms`));
      }, timeoutMs);
      let subscribed = false;
      socket.on('open', () => socket.send(JSON.stringify({ type: 'auth', token })));
      socket.on('message', (data) => {
        const text = data.toString();
        if (!subscribed) {
          const type = (JSON.parse(text) as { type?: string }).type;
          if (type === 'authenticated') {
            socket.send(JSON.stringify({ type: 'subscribe', classId }));
            return;
          }
          if (type === 'snapshot') {
            subscribed = true;
            this.counters.connected++;
            clearTimeout(timer);
            resolve();
            return;
          }
          if (type === 'error') {
            clearTimeout(timer);
            reject(new Error(`realtime refused class ${classId}: ${text}`));
            return;
          }
        }
        this.onMessage(text);
      });
      socket.on('error', (error) => {
        this.counters.errors++;
        if (!subscribed) {
          clearTimeout(timer);
          reject(error);
        }
      });
      socket.on('close', () => {
        if (!this.stopping) this.counters.closes++;
      });
    });
  }
}
