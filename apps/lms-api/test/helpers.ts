import { createDb, type Database, runMigrations } from '@cellstream/db';
import type { InfluxQl } from '@cellstream/shared';
import { createTestDatabase, testEnv } from '@cellstream/testkit';
import type { LightMyRequestResponse } from 'fastify';
import { type AppDeps, buildApp, type LmsApp } from '../src/app.js';
import { KeyStore } from '../src/auth/keys.js';
import { ensureAdmin } from '../src/bootstrap.js';
import { type LmsConfig, loadLmsConfig } from '../src/config.js';
import { influxFromConfig } from '../src/services/influx.js';

export const ADMIN = { username: 'admin', password: 'test-admin-password' };

export interface TestApp {
  app: LmsApp;
  db: Database;
  config: LmsConfig;
  keys: KeyStore;
  /** The app's InfluxDB client (INFLUX_BUCKET of the env given). */
  influx: InfluxQl;
  databaseUrl: string;
  /** An HTTP client for `app.inject()`, with a bearer token when given. */
  as(token?: string): Client;
  login(username: string, password: string): Promise<string>;
  adminToken(): Promise<string>;
  /** Creates an instructor through the API and logs it in. */
  instructor(username: string): Promise<{ id: number; token: string }>;
  /** Creates a student (password = `${userId}-password`) through the API and logs it in. */
  student(userId: string, options?: { classId?: number }): Promise<{ token: string }>;
  /** Creates a class for the instructor whose token is given. */
  createClass(token: string, classCode: string): Promise<number>;
  enroll(token: string, classId: number, userId: string): Promise<void>;
  /** Ends the app's pool, as if PostgreSQL were gone (`close()` still cleans up). */
  endPool(): Promise<void>;
  close(): Promise<void>;
}

export interface Client {
  get(url: string): Promise<LightMyRequestResponse>;
  post(url: string, body?: unknown): Promise<LightMyRequestResponse>;
  put(url: string, body?: unknown): Promise<LightMyRequestResponse>;
  delete(url: string): Promise<LightMyRequestResponse>;
}

/** A migrated database of the test file's own, lms-api built on it, and the first admin. */
export async function createTestApp(
  label: string,
  env: Record<string, string> = {},
  deps: Pick<AppDeps, 'influx' | 'relay'> = {},
): Promise<TestApp> {
  const database = await createTestDatabase(label);
  await runMigrations(database.url);
  const handle = createDb(database.url, { max: 5 });
  const config = loadLmsConfig({
    DATABASE_URL: database.url,
    INFLUX_URL: testEnv.INFLUX_URL,
    INFLUX_TOKEN: testEnv.INFLUX_TOKEN,
    INFLUX_ORG: testEnv.INFLUX_ORG,
    INFLUX_BUCKET: testEnv.INFLUX_BUCKET,
    LOG_LEVEL: 'silent',
    ADMIN_USERNAME: ADMIN.username,
    ADMIN_PASSWORD: ADMIN.password,
    LOGIN_RATE_LIMIT: '10000',
    ...env,
  });
  await ensureAdmin(handle.db, config.ADMIN_USERNAME, config.ADMIN_PASSWORD);
  const keys = new KeyStore(handle.db, {
    retainRetiredMs: Math.max(config.TOKEN_TTL_SECONDS * 1000, config.INGEST_TOKEN_TTL_DAYS * 86_400_000),
    secret: config.SIGNING_KEY_SECRET,
  });
  const influx = deps.influx ?? influxFromConfig(config);
  const app = await buildApp({ db: handle.db, config, keys, ...deps, influx });

  const as = (token?: string): Client => {
    const headers = token ? { authorization: `Bearer ${token}` } : {};
    const send = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown) =>
      app.inject({
        method,
        url,
        headers,
        ...(body === undefined ? {} : { payload: body as Record<string, unknown> }),
      });
    return {
      get: (url) => send('GET', url),
      post: (url, body) => send('POST', url, body),
      put: (url, body) => send('PUT', url, body),
      delete: (url) => send('DELETE', url),
    };
  };

  const login = async (username: string, password: string) => {
    const response = await as().post('/api/v1/auth/login', { username, password });
    if (response.statusCode !== 200)
      throw new Error(`login ${username}: ${response.statusCode} ${response.body}`);
    return response.json<{ token: string }>().token;
  };

  let adminToken: string | undefined;
  const getAdminToken = async () => {
    adminToken ??= await login(ADMIN.username, ADMIN.password);
    return adminToken;
  };

  return {
    app,
    influx,
    db: handle.db,
    config,
    keys,
    databaseUrl: database.url,
    as,
    login,
    adminToken: getAdminToken,
    async instructor(username) {
      const response = await as(await getAdminToken()).post('/api/v1/users', {
        username,
        password: `${username}-password`,
        role: 'instructor',
        displayName: `Instructor ${username}`,
      });
      if (response.statusCode !== 201) throw new Error(`instructor ${username}: ${response.body}`);
      return { id: response.json<{ id: number }>().id, token: await login(username, `${username}-password`) };
    },
    async student(userId, options = {}) {
      const admin = as(await getAdminToken());
      const response = await admin.post('/api/v1/students', {
        userId,
        displayName: `Student ${userId}`,
        password: `${userId}-password`,
      });
      if (response.statusCode !== 201) throw new Error(`student ${userId}: ${response.body}`);
      if (options.classId !== undefined) {
        const enrolled = await admin.post(`/api/v1/classes/${options.classId}/students`, { userId });
        if (enrolled.statusCode !== 201) throw new Error(`enroll ${userId}: ${enrolled.body}`);
      }
      return { token: await login(userId, `${userId}-password`) };
    },
    async createClass(token, classCode) {
      const response = await as(token).post('/api/v1/classes', {
        name: `Class ${classCode}`,
        class_code: classCode,
      });
      if (response.statusCode !== 201) throw new Error(`class ${classCode}: ${response.body}`);
      return response.json<{ id: number }>().id;
    },
    async enroll(token, classId, userId) {
      const response = await as(token).post(`/api/v1/classes/${classId}/students`, { userId });
      if (response.statusCode >= 300) throw new Error(`enroll ${userId}: ${response.body}`);
    },
    endPool: () => handle.close(),
    async close() {
      await app.close();
      await handle.close();
      await database.drop();
    },
  };
}

/** The `code` of an error answer. */
export const codeOf = (response: LightMyRequestResponse) => response.json<{ code: string }>().code;
