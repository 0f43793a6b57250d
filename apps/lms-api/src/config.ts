import { baseConfigSchema, loadConfig } from '@cellstream/shared';
import { z } from 'zod';

const csv = (value: string) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

/** lms-api's settings: the shared ones plus its own, each documented in `.env.example`. */
export const lmsConfigSchema = baseConfigSchema.extend({
  LMS_PORT: z.coerce.number().int().min(0).max(65_535).default(8001),
  LMS_HOST: z.string().default('127.0.0.1'),
  /** The first admin, created at start when no user of that name exists. */
  ADMIN_USERNAME: z.string().min(1).default('admin'),
  /** The local stack's default only: set a real one anywhere else. */
  ADMIN_PASSWORD: z.string().min(8).default('cellstream-admin'),
  /** Lifetime of the session tokens `POST /auth/login` issues. */
  TOKEN_TTL_SECONDS: z.coerce
    .number()
    .int()
    .positive()
    .default(8 * 3600),
  /** Lifetime of ingest tokens; retired signing keys stay published this long. */
  INGEST_TOKEN_TTL_DAYS: z.coerce.number().int().positive().max(3650).default(180),
  /** Origins allowed to call the API from a browser (comma list); empty: same origin only. */
  CORS_ORIGINS: z.string().default('').transform(csv),
  /** Logins allowed per client address and minute. */
  LOGIN_RATE_LIMIT: z.coerce.number().int().positive().default(10),
  /** Creates the demo instructor, class and students at start (used by `npm start`). */
  SEED_DEMO: z
    .enum(['true', 'false', '1', '0', ''])
    .default('false')
    .transform((value) => value === 'true' || value === '1'),
  /** Largest request body, in bytes. */
  LMS_BODY_LIMIT: z.coerce
    .number()
    .int()
    .positive()
    .default(2 * 1024 * 1024),
});

export type LmsConfig = z.infer<typeof lmsConfigSchema>;

export function loadLmsConfig(env: Record<string, string | undefined> = process.env): LmsConfig {
  return loadConfig(lmsConfigSchema, env);
}
