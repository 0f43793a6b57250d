import { SimulatorError } from './errors.js';
import type { LmsClient } from './lms-client.js';
import type { TokenSource } from './sender.js';

/** A simulated student with what it needs to post: its class and a token carrying that class. */
export interface RosterEntry {
  userId: string;
  classId: string;
  classCode: string;
  tokens: TokenSource;
}

export interface Roster {
  mode: 'demo' | 'created';
  classes: { id: string; code: string }[];
  /** The instructor who owns the created classes; log in as it to watch them on the dashboard. */
  instructor?: { username: string; password: string };
  students: RosterEntry[];
}

export interface ProvisionOptions {
  lms: LmsClient;
  classes: number;
  /** Students in all, spread round-robin over the classes. */
  students: number;
  /** Class codes are `<prefix>-001`..., userIds `<prefix lower-case>-001-0001`... */
  prefix: string;
  adminUser: string;
  adminPassword: string;
  /** Lifetime of the ingest tokens; lms-api's default (INGEST_TOKEN_TTL_DAYS) when undefined. */
  tokenTtlDays?: number;
  /** lms-api calls in flight at once. */
  concurrency?: number;
  log?: (line: string) => void;
}

const pad = (value: number, width: number) => String(value).padStart(width, '0');

/** The names a run with these counts uses: the same on every run, so a rerun reuses them. */
export function rosterNames(prefix: string, classes: number, students: number) {
  const lower = prefix.toLowerCase();
  const classWidth = Math.max(3, String(classes).length);
  const studentWidth = Math.max(4, String(Math.ceil(students / classes)).length);
  return {
    instructor: `${lower}-instructor`,
    classCodes: Array.from({ length: classes }, (_, c) => `${prefix}-${pad(c + 1, classWidth)}`),
    students: Array.from({ length: students }, (_, i) => {
      const classIndex = i % classes;
      const number = Math.floor(i / classes) + 1;
      return {
        userId: `${lower}-${pad(classIndex + 1, classWidth)}-${pad(number, studentWidth)}`,
        classIndex,
      };
    }),
  };
}

/**
 * Creates (or reuses) an instructor, the classes and the students through lms-api as an admin,
 * enrolls each student, and issues each an ingest token for its class: the JupyterHub path of
 * lms-api's README, which spares a login (and its rate limit) per student. Idempotent: a 409 on
 * a user or a class_code means it exists, and it is looked up instead.
 */
export async function provisionClasses(options: ProvisionOptions): Promise<Roster> {
  const { lms, log = () => {} } = options;
  const names = rosterNames(options.prefix, options.classes, options.students);
  const admin = await lms.login(options.adminUser, options.adminPassword);
  if (admin.role !== 'admin') {
    throw new SimulatorError('SIM_LMS_REFUSED', `${options.adminUser} is not an admin (role ${admin.role})`);
  }
  const token = admin.token;

  const instructorPassword = names.instructor;
  const createdUser = await lms.call<{ id: number }>('POST', '/api/v1/users', token, {
    body: {
      username: names.instructor,
      password: instructorPassword,
      role: 'instructor',
      displayName: `${options.prefix} simulated instructor`,
    },
    okStatuses: [201, 409],
  });
  let instructorId = createdUser.status === 201 ? createdUser.body.id : undefined;
  if (instructorId === undefined) {
    const instructors = await lms.listAll<{ id: number; username: string }>('/api/v1/users', token, {
      role: 'instructor',
    });
    instructorId = instructors.find((user) => user.username === names.instructor)?.id;
    if (instructorId === undefined) {
      throw new SimulatorError('SIM_LMS_REFUSED', `user ${names.instructor} exists but is not an instructor`);
    }
  }

  let existing: Map<string, number> | undefined;
  const classIds = await mapPool(names.classCodes, options.concurrency ?? 8, async (code) => {
    const created = await lms.call<{ id: number }>('POST', '/api/v1/classes', token, {
      body: {
        name: `Simulated class ${code}`,
        class_code: code,
        description: 'Created by the Cellstream classroom simulator.',
        instructor_id: instructorId,
      },
      okStatuses: [201, 409],
    });
    if (created.status === 201) return String(created.body.id);
    existing ??= new Map(
      (await lms.listAll<{ id: number; class_code: string }>('/api/v1/classes', token)).map((row) => [
        row.class_code,
        row.id,
      ]),
    );
    const id = existing.get(code);
    if (id === undefined)
      throw new SimulatorError('SIM_LMS_REFUSED', `class ${code} exists but is not visible`);
    return String(id);
  });
  log(
    `classes ready: ${names.classCodes.length} (${names.classCodes[0]}...), instructor ${names.instructor}`,
  );

  let done = 0;
  let lastLog = Date.now();
  const students = await mapPool(names.students, options.concurrency ?? 8, async ({ userId, classIndex }) => {
    const classId = classIds[classIndex] as string;
    const classCode = names.classCodes[classIndex] as string;
    await lms.call('POST', '/api/v1/students', token, {
      body: { userId, displayName: `Simulated student ${userId}` },
      okStatuses: [201, 409],
    });
    await lms.call('POST', `/api/v1/classes/${classId}/students`, token, { body: { userId } });
    const issued = await lms.call<{ token: string }>(
      'POST',
      `/api/v1/classes/${classId}/students/${encodeURIComponent(userId)}/ingest-tokens`,
      token,
      { body: options.tokenTtlDays === undefined ? {} : { ttlDays: options.tokenTtlDays } },
    );
    done++;
    if (Date.now() - lastLog >= 5_000) {
      lastLog = Date.now();
      log(`students ready: ${done}/${names.students.length}`);
    }
    const ingestToken = issued.body.token;
    return { userId, classId, classCode, tokens: { token: () => ingestToken } } satisfies RosterEntry;
  });
  log(`students ready: ${students.length}, each enrolled with an ingest token`);
  return {
    mode: 'created',
    classes: names.classCodes.map((code, index) => ({ id: classIds[index] as string, code })),
    instructor: { username: names.instructor, password: instructorPassword },
    students,
  };
}

/** lms-api's SEED_DEMO data (apps/lms-api/src/seed.ts). */
export const DEMO = {
  classCode: 'PY101',
  students: Array.from({ length: 8 }, (_, i) => `demo-student-${pad(i + 1, 2)}`),
} as const;

/**
 * The demo class of `npm start`: PY101's students log in with password = userId, as a student
 * in a browser would; the session token carries PY101, and is renewed by logging in again
 * when it expires (runs with `--duration 0` outlive its 8 hours).
 */
export async function provisionDemo(options: {
  lms: LmsClient;
  students: number;
  log?: (line: string) => void;
}): Promise<Roster> {
  const { lms, log = () => {} } = options;
  const entries: RosterEntry[] = [];
  let classId: string | undefined;
  for (const userId of DEMO.students.slice(
    0,
    Math.max(1, Math.min(options.students, DEMO.students.length)),
  )) {
    let current: string;
    try {
      current = (await lms.login(userId, userId)).token;
    } catch (error) {
      if (error instanceof SimulatorError && error.code === 'SIM_LMS_LOGIN_FAILED') {
        throw new SimulatorError(
          'SIM_DEMO_CLASS_MISSING',
          `${userId} cannot log in: start lms-api with SEED_DEMO=true (npm start does)`,
          { cause: error },
        );
      }
      throw error;
    }
    const detail = await lms.call<{ classes: { id: number; class_code: string }[] }>(
      'GET',
      `/api/v1/students/${encodeURIComponent(userId)}`,
      current,
    );
    const demoClass = detail.body.classes.find((row) => row.class_code === DEMO.classCode);
    if (!demoClass) {
      throw new SimulatorError('SIM_DEMO_CLASS_MISSING', `${userId} is not enrolled in ${DEMO.classCode}`);
    }
    classId = String(demoClass.id);
    const tokens: TokenSource = {
      token: () => current,
      refresh: async () => {
        current = (await lms.login(userId, userId)).token;
      },
    };
    entries.push({ userId, classId, classCode: DEMO.classCode, tokens });
  }
  log(`demo class ${DEMO.classCode} (id ${classId}): ${entries.length} students logged in`);
  return { mode: 'demo', classes: [{ id: classId ?? '', code: DEMO.classCode }], students: entries };
}

/** Maps with at most `concurrency` calls in flight, keeping the order of `items`. */
export async function mapPool<T, R>(
  items: readonly T[],
  concurrency: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}
