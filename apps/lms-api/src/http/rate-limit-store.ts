import type { Database } from '@cellstream/db';
import type { FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import { sql } from 'drizzle-orm';

/**
 * A `@fastify/rate-limit` store in PostgreSQL (`rate_limit_windows`), so a limit such as
 * LOGIN_RATE_LIMIT holds for the deployment, however many lms-api instances share the load,
 * instead of once per instance. Fixed windows: the first hit of a key starts one of
 * `timeWindow` ms; one statement increments or restarts it, so concurrent instances never lose
 * a hit. Expired windows are deleted now and then by the instance that finds them.
 */
type Answer = (error: Error | null, state: { current: number; ttl: number }) => void;

/** What the plugin passes to `child` at run time: the route's merged limit options. */
interface RouteOptions {
  routeInfo?: { method?: string | string[]; url?: string };
}

/** One in this many increments also deletes windows expired for an hour. */
const CLEANUP_EVERY = 200;

export function pgRateLimitStore(db: Database): FastifyRateLimitStoreCtor {
  return class PgRateLimitStore {
    private readonly prefix: string;

    constructor(options: object = {}) {
      const route = (options as RouteOptions).routeInfo;
      this.prefix = route?.url ? `${String(route.method)} ${route.url}` : 'global';
    }

    incr(client: string, answer: Answer, timeWindow: number): void {
      const window = sql`${timeWindow}::int * interval '1 millisecond'`;
      db.execute<{ hits: number; ttl: number }>(
        sql`INSERT INTO rate_limit_windows AS w (key, started_at, hits) VALUES (${this.key(client)}, now(), 1)
            ON CONFLICT (key) DO UPDATE SET
              hits = CASE WHEN w.started_at + ${window} <= now() THEN 1 ELSE w.hits + 1 END,
              started_at = CASE WHEN w.started_at + ${window} <= now() THEN now() ELSE w.started_at END
            RETURNING hits,
              greatest(0, ceil(extract(epoch FROM started_at + ${window} - now()) * 1000))::int AS ttl`,
      )
        .then(({ rows: [row] }) => answer(null, { current: row?.hits ?? 1, ttl: row?.ttl ?? timeWindow }))
        .catch((error: Error) => answer(error, { current: 0, ttl: 0 }));
      if (Math.random() < 1 / CLEANUP_EVERY) {
        db.execute(sql`DELETE FROM rate_limit_windows WHERE started_at < now() - interval '1 hour'`).catch(
          () => undefined,
        );
      }
    }

    read(client: string, answer: Answer, timeWindow: number): void {
      db.execute<{ hits: number; ttl: number }>(
        sql`SELECT hits,
              ceil(extract(epoch FROM started_at + ${timeWindow}::int * interval '1 millisecond' - now()) * 1000)::int AS ttl
            FROM rate_limit_windows WHERE key = ${this.key(client)}`,
      )
        .then(({ rows: [row] }) =>
          answer(null, row && row.ttl > 0 ? { current: row.hits, ttl: row.ttl } : { current: 0, ttl: 0 }),
        )
        .catch((error: Error) => answer(error, { current: 0, ttl: 0 }));
    }

    child(options: object): PgRateLimitStore {
      return new PgRateLimitStore(options);
    }

    private key(client: string): string {
      return `${this.prefix} ${client}`;
    }
  };
}
