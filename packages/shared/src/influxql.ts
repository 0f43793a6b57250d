export interface InfluxQlOptions {
  url: string;
  /** `username:password` on InfluxDB 1.8, an API token on 2.x; empty when auth is off. */
  token: string;
  /** `database` or `database/retention-policy`, as the 2.x API names a 1.x bucket. */
  bucket: string;
  timeoutMs: number;
  /** The error to throw when InfluxDB does not answer or refuses the statement (each app has its code). */
  failure: (reason: string, cause?: unknown) => Error;
}

/** One series of an InfluxQL answer; `time` columns are epoch milliseconds. */
export interface InfluxSeries {
  name: string;
  tags?: Record<string, string>;
  columns: string[];
  values?: unknown[][];
}

/**
 * InfluxQL over HTTP (`POST /query`): how lms-api reads and deletes, and the persister counts,
 * in InfluxDB. InfluxDB 1.8 runs InfluxQL natively, far faster than Flux on the same counts
 * (Flux there reads every point through its table engine: 7 s for a week of one busy class,
 * against 0.15 s), and 2.x and 3.x answer it too. Values are passed as bound parameters
 * (`$name`), never spliced into the statement. Several statements may go in one call
 * (`;`-separated): `runAll` answers the series of each.
 */
export class InfluxQl {
  readonly database: string;
  /** The retention policy named by the bucket, if any (measurements are then read from it). */
  readonly retentionPolicy: string | undefined;

  constructor(private readonly options: InfluxQlOptions) {
    const [database, retentionPolicy] = options.bucket.split('/');
    this.database = database ?? options.bucket;
    this.retentionPolicy = retentionPolicy || undefined;
  }

  get url(): string {
    return this.options.url;
  }

  /** A measurement as a SELECT's FROM names it: qualified by the bucket's retention policy. */
  from(measurement: string): string {
    return this.retentionPolicy
      ? `${identifier(this.retentionPolicy)}.${identifier(measurement)}`
      : identifier(measurement);
  }

  /** Runs one statement; resolves its series. Throws `failure(...)` when InfluxDB does not answer. */
  async run(statement: string, params: Record<string, string | number> = {}): Promise<InfluxSeries[]> {
    const [series] = await this.runAll(statement, params);
    return series ?? [];
  }

  /** Runs `;`-separated statements in one call; resolves each statement's series, in order. */
  async runAll(statements: string, params: Record<string, string | number> = {}): Promise<InfluxSeries[][]> {
    const body = new URLSearchParams({ db: this.database, q: statements, epoch: 'ms' });
    if (Object.keys(params).length > 0) body.set('params', JSON.stringify(params));
    let answer: { results?: { series?: InfluxSeries[]; error?: string }[]; error?: string };
    try {
      const response = await fetch(new URL('/query', this.options.url), {
        method: 'POST',
        body,
        headers: this.options.token ? { authorization: `Token ${this.options.token}` } : {},
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      answer = (await response.json()) as typeof answer;
      if (!response.ok) throw new Error(answer.error ?? `HTTP ${response.status}`);
    } catch (error) {
      throw this.options.failure(error instanceof Error ? error.message : String(error), error);
    }
    const failed = answer.results?.find((result) => result.error);
    if (failed?.error) throw this.options.failure(failed.error);
    return (answer.results ?? []).map((result) => result.series ?? []);
  }
}

/** The first value of the first series (a statement such as `SELECT count(…)`), 0 when none. */
export function firstValue(series: readonly InfluxSeries[]): number {
  return Number(series[0]?.values?.[0]?.[1] ?? 0);
}

function identifier(name: string): string {
  return `"${name.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}
