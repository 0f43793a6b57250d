import { InfluxQl } from '@cellstream/shared';
import { HttpError, InfluxDB } from '@influxdata/influxdb-client';
import { PersisterError } from '../errors.js';
import type { DecodedRecord, Rejection, Sink, SinkResult } from '../pipeline/records.js';
import { triage } from '../pipeline/triage.js';
import { ROLLUP_MEASUREMENT, recountActivity, touchedMinutes } from './activity-rollup.js';
import { ACTIVITY_MEASUREMENT, activityLine, influxVerdict, MEASUREMENT, toLine } from './point-mapper.js';

export interface InfluxSinkOptions {
  url: string;
  token: string;
  org: string;
  bucket: string;
  /** Points per write request. */
  batchPoints: number;
  timeoutMs: number;
  gzipThreshold: number;
}

/** One event's `student_progress` line, and its `class_activity` line if it has one. */
interface Line {
  line: string;
  activity: string | undefined;
  record: DecodedRecord;
}

/**
 * 4xx answers about the request's content: some line cannot be stored (400 unparsable or beyond
 * retention, 413 too large, 422 unprocessable). 401/403/404 (token, bucket) and 429 are the
 * server's state, not the data's: retried like 5xx and network errors.
 */
const contentStatuses = new Set([400, 413, 422]);

/**
 * The sink of group persister-influx, through the 2.x write API of `@influxdata/influxdb-client`
 * (InfluxDB 1.8, 2.x and 3.x alike, given URL, token, org and bucket). A batch is written in
 * requests of `batchPoints` lines; each request is one WriteApi flushed and awaited, with the
 * client's own retries off, so a resolved write() means every point is stored and a rejected one
 * goes to the retry controller. A request refused for its content is bisected down to the
 * points at fault (rewriting the good ones is harmless: same series and time overwrite).
 */
export class InfluxSink implements Sink {
  readonly name = 'influx';
  readonly dependency = 'influxdb';
  private readonly influx: InfluxDB;
  private readonly influxQl: InfluxQl;

  constructor(private readonly options: InfluxSinkOptions) {
    this.influx = new InfluxDB({ url: options.url, token: options.token, timeout: options.timeoutMs });
    this.influxQl = new InfluxQl({
      url: options.url,
      token: options.token,
      bucket: options.bucket,
      timeoutMs: options.timeoutMs,
      failure: (reason, cause) =>
        new PersisterError('PERSISTER_INFLUX_UNAVAILABLE', `InfluxDB query failed: ${reason}`, { cause }),
    });
  }

  /**
   * Three steps, each after the previous one is stored: the events' `student_progress` points
   * (a point InfluxDB refuses sends its event to the DLQ); the `class_activity` points of the
   * events stored (after, because InfluxDB 1.8 stores the valid points of a refused request: an
   * event in the DLQ must not be counted); the recount of the minutes they fall in
   * (`class_activity_1m`, see activity-rollup.ts).
   */
  async write(records: readonly DecodedRecord[]): Promise<SinkResult> {
    const { valid, rejected, skipped } = triage(records, (event) => influxVerdict(event));
    const lines: Line[] = valid.map((record) => ({
      line: toLine(record.event),
      activity: activityLine(record.event),
      record,
    }));
    // One request at a time per batch: the concurrency comes from the partitions written at
    // once, and InfluxDB answers 500 "timeout" when it is given more than it can take.
    const stored: Line[] = [];
    for (let start = 0; start < lines.length; start += this.options.batchPoints) {
      stored.push(
        ...(await this.writeIsolating(lines.slice(start, start + this.options.batchPoints), rejected)),
      );
    }
    const counted = stored.filter((entry) => entry.activity !== undefined);
    await this.sendAll(counted.map((entry) => entry.activity as string));
    const rollup =
      counted.length > 0
        ? await recountActivity(this.influxQl, touchedMinutes(counted.map((entry) => entry.record.event)))
        : [];
    await this.sendAll(rollup);
    return {
      rejected,
      skipped,
      written: {
        [MEASUREMENT]: stored.length,
        [ACTIVITY_MEASUREMENT]: counted.length,
        [ROLLUP_MEASUREMENT]: rollup.length,
      },
    };
  }

  async probe(): Promise<string> {
    try {
      const response = await fetch(new URL('/ping', this.options.url), {
        signal: AbortSignal.timeout(2_000),
      });
      await response.body?.cancel();
      return response.status < 300 ? 'up' : `down: /ping answered ${response.status}`;
    } catch (error) {
      return `down: ${error instanceof Error ? error.message : String(error)}`;
    }
  }

  async close(): Promise<void> {}

  /** Writes `lines`; returns the entries stored (all but those InfluxDB refused, which go to `rejected`). */
  private async writeIsolating(lines: readonly Line[], rejected: Rejection[]): Promise<readonly Line[]> {
    try {
      await this.send(lines.map((entry) => entry.line));
      return lines;
    } catch (error) {
      if (!(error instanceof HttpError && contentStatuses.has(error.statusCode))) throw unavailable(error);
      const [only] = lines;
      if (lines.length === 1 && only) {
        rejected.push({
          source: only.record.source,
          code: 'PERSISTER_INFLUX_REJECTED',
          reason: `InfluxDB refused the point (HTTP ${error.statusCode}): ${error.message}`,
        });
        return [];
      }
      const middle = Math.ceil(lines.length / 2);
      return [
        ...(await this.writeIsolating(lines.slice(0, middle), rejected)),
        ...(await this.writeIsolating(lines.slice(middle), rejected)),
      ];
    }
  }

  /** Lines that cannot be refused for their content (built from stored points): any failure is InfluxDB's. */
  private async sendAll(lines: readonly string[]): Promise<void> {
    for (let start = 0; start < lines.length; start += this.options.batchPoints) {
      try {
        await this.send(lines.slice(start, start + this.options.batchPoints));
      } catch (error) {
        throw unavailable(error);
      }
    }
  }

  /** One request: a WriteApi that never flushes on its own (batch size above the line count). */
  private async send(lines: readonly string[]): Promise<void> {
    const api = this.influx.getWriteApi(this.options.org, this.options.bucket, 'ns', {
      // Above the line count: a WriteApi flushing on its own would only log that write's failure.
      batchSize: lines.length + 1,
      maxBatchBytes: Number.MAX_SAFE_INTEGER,
      flushInterval: 0,
      maxRetries: 0,
      gzipThreshold: this.options.gzipThreshold,
    });
    try {
      api.writeRecords([...lines]);
      await api.flush();
    } finally {
      api.dispose();
    }
  }
}

function unavailable(error: unknown): PersisterError {
  const status = error instanceof HttpError ? error.statusCode : undefined;
  return new PersisterError(
    'PERSISTER_INFLUX_UNAVAILABLE',
    `InfluxDB write failed${status ? ` (HTTP ${status})` : ''}: ${error instanceof Error ? error.message : String(error)}`,
    { cause: error, context: { status } },
  );
}
