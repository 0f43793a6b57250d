import { randomBytes } from 'node:crypto';
import { AppProcess, freePort } from '@cellstream/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { fromSource, Pipeline } from './support/pipeline.js';
import { writeResult } from './support/results.js';
import { tampered, tokenClaims, unsigned, wronglySigned } from './support/tokens.js';

/**
 * Item 7: every HTTP endpoint of lms-api (discovered from its OpenAPI document) and ingest, and
 * realtime's WebSocket, tried without a token, with a malformed, expired, tampered, wrongly
 * signed and unsigned token (401 each), and as the wrong role or as someone of another class
 * (403 each). The answers make the table of docs/reliability.md.
 */
type Actor = 'instructorA' | 'instructorB' | 'studentA' | 'studentB';
const badTokenKinds = ['no token', 'malformed', 'expired', 'tampered', 'wrong key', 'alg none'] as const;
type BadToken = (typeof badTokenKinds)[number];

/** Endpoints anyone may call: a new public route fails the test until it is listed here. */
const publicOperations = new Set([
  'GET /metrics',
  'GET /health',
  'GET /ready',
  'GET /.well-known/jwks.json',
  'GET /.well-known/revoked-tokens',
  'POST /api/v1/auth/login',
  'GET /',
]);

interface Context {
  classA: number;
  classB: number;
  classACode: string;
  instructorAId: number;
  studentA: string;
  studentB: string;
  assignmentA: number;
  assignmentTitle: string;
  submissionA: number;
  jti: string;
}

interface Policy {
  /** Who must be refused with 403 (the caller of another class, or a role below the endpoint's). */
  refused: Actor[];
  body?: (ctx: Context) => unknown;
  /** A list whose answer to the others must not show class A's data (marker found in the body). */
  hides?: (ctx: Context) => string;
}

const unique = () => randomBytes(4).toString('hex');
const admins: Actor[] = ['instructorA', 'instructorB', 'studentA', 'studentB'];
const classWriters: Actor[] = ['instructorB', 'studentA', 'studentB'];
const classReaders: Actor[] = ['instructorB', 'studentB'];
const outsiders: Actor[] = ['instructorB', 'studentB'];

/** What each lms-api operation allows (its OpenAPI summary says the same in words). */
const policies: Record<string, Policy> = {
  'GET /api/v1/users/me': { refused: [] },
  'POST /api/v1/users': {
    refused: admins,
    body: () => ({ username: `x-${unique()}`, password: 'password-123', role: 'admin', displayName: 'x' }),
  },
  'GET /api/v1/users': { refused: admins },
  'PUT /api/v1/users/{id}': { refused: admins, body: () => ({ displayName: 'taken over' }) },
  'POST /api/v1/students': {
    refused: ['studentA', 'studentB'],
    body: () => ({ userId: `x-${unique()}`, displayName: 'x', password: 'password-123' }),
  },
  'GET /api/v1/students': { refused: ['studentA', 'studentB'], hides: (ctx) => ctx.studentA },
  'GET /api/v1/students/{userId}': { refused: outsiders },
  'DELETE /api/v1/students/{userId}': { refused: admins },
  'POST /api/v1/classes': {
    refused: ['studentA', 'studentB'],
    body: () => ({ name: 'x', class_code: `X-${unique()}` }),
  },
  'GET /api/v1/classes': { refused: [], hides: (ctx) => ctx.classACode },
  'GET /api/v1/classes/{id}': { refused: classReaders },
  'PUT /api/v1/classes/{id}': { refused: classWriters, body: () => ({ name: 'taken over' }) },
  'DELETE /api/v1/classes/{id}': { refused: classWriters },
  'POST /api/v1/classes/{id}/students': { refused: classWriters, body: (ctx) => ({ userId: ctx.studentB }) },
  'GET /api/v1/classes/{id}/students': { refused: classWriters },
  'DELETE /api/v1/classes/{id}/students/{userId}': { refused: classWriters },
  'POST /api/v1/assignments': {
    refused: classWriters,
    body: (ctx) => ({ class_id: ctx.classA, title: 'x' }),
  },
  'GET /api/v1/assignments': { refused: [], hides: (ctx) => ctx.assignmentTitle },
  'GET /api/v1/assignments/{id}': { refused: classReaders },
  'PUT /api/v1/assignments/{id}': { refused: classWriters, body: () => ({ title: 'taken over' }) },
  'DELETE /api/v1/assignments/{id}': { refused: classWriters },
  'POST /api/v1/submissions': {
    refused: outsiders,
    body: (ctx) => ({ assignment_id: ctx.assignmentA, student_id: ctx.studentA, content: 'x' }),
  },
  'GET /api/v1/submissions': { refused: [], hides: (ctx) => `"id":${ctx.submissionA},` },
  'GET /api/v1/submissions/{id}': { refused: outsiders },
  'PUT /api/v1/submissions/{id}': { refused: outsiders, body: () => ({ content: 'taken over' }) },
  'DELETE /api/v1/submissions/{id}': { refused: outsiders },
  'PUT /api/v1/submissions/{id}/grade': { refused: classWriters, body: () => ({ score: 100 }) },
  'POST /api/v1/submissions/{id}/return': { refused: classWriters, body: () => ({}) },
  'POST /api/v1/assignments/{id}/extensions': {
    refused: classWriters,
    body: (ctx) => ({ student_id: ctx.studentA, due_at: new Date(Date.now() + 86_400_000).toISOString() }),
  },
  'GET /api/v1/assignments/{id}/extensions': { refused: outsiders },
  'DELETE /api/v1/assignments/{id}/extensions/{studentId}': { refused: classWriters },
  'POST /api/v1/classes/{id}/messages': { refused: classWriters, body: () => ({ title: 'x', message: 'y' }) },
  'POST /api/v1/classes/{id}/students/{userId}/ingest-tokens': { refused: classWriters, body: () => ({}) },
  'GET /api/v1/classes/{id}/ingest-tokens': { refused: classWriters },
  'DELETE /api/v1/ingest-tokens/{jti}': { refused: classWriters },
  'GET /api/v1/classes/{id}/progress': { refused: classWriters },
  'GET /api/v1/classes/{id}/students/{userId}/timeline': { refused: outsiders },
  'GET /api/v1/classes/{id}/activity': { refused: classWriters },
  'GET /api/v1/students/{userId}/export': { refused: ['instructorA', 'instructorB', 'studentB'] },
  'POST /api/v1/admin/retention/run': { refused: admins, body: () => ({}) },
  'GET /api/v1/admin/audit-log': { refused: admins },
  'POST /api/v1/admin/keys/rotate': { refused: admins, body: () => ({}) },
};

function fillPath(path: string, ctx: Context): string {
  const family = path.split('/')[3];
  return path
    .replace(
      '{id}',
      String(
        family === 'users'
          ? ctx.instructorAId
          : family === 'assignments'
            ? ctx.assignmentA
            : family === 'submissions'
              ? ctx.submissionA
              : ctx.classA,
      ),
    )
    .replace('{userId}', ctx.studentA)
    .replace('{studentId}', ctx.studentA)
    .replace('{jti}', ctx.jti);
}

describe('item 7: auth matrix', () => {
  let pipeline: Pipeline;
  let expiringLms: AppProcess;
  const tokens = {} as Record<Actor | 'admin' | 'ingestA', string>;
  const bad = {} as Record<BadToken, string | undefined>;
  let ctx: Context;

  const call = async (
    method: string,
    url: string,
    token: string | undefined,
    body?: unknown,
  ): Promise<{ status: number; text: string }> => {
    const response = await fetch(url, {
      method,
      headers: {
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, text: await response.text() };
  };

  beforeAll(async () => {
    pipeline = await Pipeline.start('auth', {}, ['lms-api', 'ingest', 'realtime']);
    const lms = `${pipeline.url('lms-api')}/api/v1`;
    const post = async (path: string, token: string | undefined, body: unknown) => {
      const answer = await call('POST', `${lms}${path}`, token, body);
      if (answer.status >= 300) throw new Error(`POST ${path}: ${answer.status} ${answer.text}`);
      return JSON.parse(answer.text) as Record<string, unknown>;
    };
    const login = async (username: string, password: string) =>
      (await post('/auth/login', undefined, { username, password })).token as string;
    tokens.admin = await login(
      pipeline.env.ADMIN_USERNAME ?? 'admin',
      pipeline.env.ADMIN_PASSWORD ?? 'cellstream-admin',
    );
    const suffix = unique();
    const ids: Record<string, number> = {};
    for (const who of ['a', 'b']) {
      const user = await post('/users', tokens.admin, {
        username: `instr-${who}-${suffix}`,
        password: 'password-123',
        role: 'instructor',
        displayName: `Instructor ${who}`,
      });
      ids[`instructor-${who}`] = user.id as number;
      const created = await post('/classes', tokens.admin, {
        name: `Class ${who}`,
        class_code: `AUTH-${who}-${suffix}`.toUpperCase(),
        instructor_id: user.id,
      });
      ids[`class-${who}`] = created.id as number;
      await post('/students', tokens.admin, {
        userId: `stud-${who}-${suffix}`,
        displayName: `Student ${who}`,
        password: 'password-123',
      });
      await post(`/classes/${created.id}/students`, tokens.admin, { userId: `stud-${who}-${suffix}` });
    }
    tokens.instructorA = await login(`instr-a-${suffix}`, 'password-123');
    tokens.instructorB = await login(`instr-b-${suffix}`, 'password-123');
    tokens.studentA = await login(`stud-a-${suffix}`, 'password-123');
    tokens.studentB = await login(`stud-b-${suffix}`, 'password-123');
    const assignmentTitle = `Assignment ${suffix}`;
    const assignment = await post('/assignments', tokens.instructorA, {
      class_id: ids['class-a'],
      title: assignmentTitle,
    });
    const submission = await post('/submissions', tokens.studentA, {
      assignment_id: assignment.id,
      content: 'my work',
    });
    await post(`/assignments/${assignment.id}/extensions`, tokens.instructorA, {
      student_id: `stud-a-${suffix}`,
      due_at: new Date(Date.now() + 86_400_000).toISOString(),
    });
    const issued = await post(
      `/classes/${ids['class-a']}/students/stud-a-${suffix}/ingest-tokens`,
      tokens.instructorA,
      {},
    );
    tokens.ingestA = issued.token as string;
    ctx = {
      classA: ids['class-a'] as number,
      classB: ids['class-b'] as number,
      classACode: `AUTH-A-${suffix}`.toUpperCase(),
      instructorAId: ids['instructor-a'] as number,
      studentA: `stud-a-${suffix}`,
      studentB: `stud-b-${suffix}`,
      assignmentA: assignment.id as number,
      assignmentTitle,
      submissionA: submission.id as number,
      jti: String(tokenClaims(tokens.ingestA).jti),
    };

    // An expired token signed by lms-api's own key: a second lms-api on the same database
    // (hence the same signing key) issuing one-second tokens.
    expiringLms = await AppProcess.start(
      'lms-api',
      { ...pipeline.env, TOKEN_TTL_SECONDS: '1' },
      {
        port: await freePort(),
        readyTimeoutMs: 120_000,
        fromSource: fromSource('lms-api'),
      },
    );
    const short = await call('POST', `${expiringLms.url}/api/v1/auth/login`, undefined, {
      username: `instr-a-${suffix}`,
      password: 'password-123',
    });
    await expiringLms.stop();
    const expired = JSON.parse(short.text).token as string;
    await new Promise((resolve) => setTimeout(resolve, 2_100));

    bad['no token'] = undefined;
    bad.malformed = 'not-a-jwt';
    bad.expired = expired;
    bad.tampered = tampered(tokens.studentA, { role: 'admin' });
    bad['wrong key'] = await wronglySigned(tokens.instructorA);
    bad['alg none'] = unsigned(tokens.instructorA);
  });

  afterAll(async () => {
    await expiringLms?.stop();
    await pipeline?.stop();
  });

  it('refuses every bad token with 401 and every wrong role or other class with 403', async () => {
    const doc = JSON.parse((await call('GET', `${pipeline.url('lms-api')}/docs/json`, undefined)).text) as {
      paths: Record<string, Record<string, { security?: unknown }>>;
    };
    const operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({
        key: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        secured: op.security !== undefined,
      })),
    );
    const rows: (string | number)[][] = [];
    const failures: string[] = [];
    const check = (what: string, got: number, want: number) => {
      if (got !== want) failures.push(`${what}: ${got}, expected ${want}`);
      return got === want ? String(got) : `**${got}** (expected ${want})`;
    };

    const publicSeen: string[] = [];
    for (const op of operations) {
      if (!op.secured) {
        publicSeen.push(op.key);
        if (!publicOperations.has(op.key)) failures.push(`${op.key} is public but not listed as public`);
        continue;
      }
      const policy = policies[op.key];
      if (!policy) {
        failures.push(`${op.key} has no policy in this test: add one`);
        continue;
      }
      const url = `${pipeline.url('lms-api')}${fillPath(op.path, ctx)}`;
      const body = policy.body?.(ctx);
      const cells: string[] = [];
      for (const kind of badTokenKinds) {
        const answer = await call(op.method, url, bad[kind], body);
        cells.push(check(`${op.key} with ${kind}`, answer.status, 401));
      }
      const roleCells: string[] = [];
      for (const actor of policy.refused) {
        const answer = await call(op.method, url, tokens[actor], policy.body?.(ctx));
        roleCells.push(`${actor} ${check(`${op.key} as ${actor}`, answer.status, 403)}`);
      }
      if (policy.hides) {
        for (const actor of outsiders) {
          if (policy.refused.includes(actor)) continue;
          const answer = await call(op.method, url, tokens[actor]);
          const hidden = answer.status === 200 && !answer.text.includes(policy.hides(ctx));
          if (!hidden) failures.push(`${op.key} as ${actor} shows class A's data (${answer.status})`);
          roleCells.push(`${actor} ${answer.status} ${hidden ? 'without class A' : '**shows class A**'}`);
        }
      }
      rows.push([`lms-api \`${op.key}\``, ...cells, roleCells.join('; ') || '(any signed-in user)']);
    }

    // ingest: the events endpoint takes a student's token for the student's own events only.
    const ingestUrl = `${pipeline.url('ingest')}/api/v1/events`;
    const event = (userId: string, classId: number) => [
      {
        eventId: `auth-${unique()}`,
        eventType: 'cell_execution_complete',
        eventTime: new Date().toISOString(),
        userId,
        classId: String(classId),
      },
    ];
    const ingestCells: string[] = [];
    for (const kind of badTokenKinds) {
      const answer = await call('POST', ingestUrl, bad[kind], event(ctx.studentA, ctx.classA));
      ingestCells.push(check(`ingest with ${kind}`, answer.status, 401));
    }
    const ingestRole: string[] = [];
    for (const [who, token, userId, classId] of [
      ['instructorA (not a student)', tokens.instructorA, ctx.studentA, ctx.classA],
      ['studentB as studentA', tokens.studentB, ctx.studentA, ctx.classA],
      ['studentB into class A', tokens.studentB, ctx.studentB, ctx.classA],
      ['studentA’s ingest token into class B', tokens.ingestA, ctx.studentA, ctx.classB],
    ] as const) {
      const answer = await call('POST', ingestUrl, token, event(userId, classId));
      ingestRole.push(`${who} ${check(`ingest as ${who}`, answer.status, 403)}`);
    }
    const own = await call('POST', ingestUrl, tokens.ingestA, event(ctx.studentA, ctx.classA));
    ingestRole.push(`studentA’s own event ${check('ingest own event', own.status, 202)}`);
    rows.push(['ingest `POST /api/v1/events`', ...ingestCells, ingestRole.join('; ')]);

    // realtime: a bad token ends the connection with 4401; another class is refused.
    const wsCells: string[] = [];
    for (const kind of badTokenKinds) {
      const outcome = await wsAttempt(pipeline.realtimeWs, bad[kind], String(ctx.classA));
      if (outcome !== 'closed 4401') failures.push(`realtime with ${kind}: ${outcome}`);
      wsCells.push(outcome === 'closed 4401' ? outcome : `**${outcome}**`);
    }
    const wsRole: string[] = [];
    for (const [who, token, expected] of [
      ['instructorB on class A', tokens.instructorB, 'forbidden'],
      ['studentA on class A', tokens.studentA, 'forbidden'],
      ['studentB on class A', tokens.studentB, 'forbidden'],
      ['instructorA on class A', tokens.instructorA, 'snapshot'],
    ] as const) {
      const outcome = await wsAttempt(pipeline.realtimeWs, token, String(ctx.classA));
      const ok = outcome === expected || (expected === 'forbidden' && outcome === 'closed 4403');
      if (!ok) failures.push(`realtime as ${who}: ${outcome}, expected ${expected}`);
      wsRole.push(`${who} ${ok ? outcome : `**${outcome}**`}`);
    }
    rows.push(['realtime `WS /ws` (auth, then subscribe)', ...wsCells, wsRole.join('; ')]);

    const checked = rows.length;
    const result = {
      item: 7,
      title: 'Auth matrix',
      method: `Every operation of lms-api's OpenAPI document (${operations.length}, of which ${publicSeen.length} public by design: ${publicSeen.join(', ')}), ingest's events endpoint and realtime's WebSocket, tried with six kinds of bad token and as the wrong role or someone of another class. Class A belongs to instructorA with studentA enrolled; instructorB and studentB belong to class B. Expired: signed by lms-api's own key with a one-second lifetime; tampered: studentA's token with role admin and the original signature; wrong key: the same claims and kid signed by another key; alg none: no signature.`,
      figures: {
        endpointsChecked: checked,
        requests:
          checked * badTokenKinds.length + Object.values(policies).reduce((n, p) => n + p.refused.length, 0),
        failures: failures.length,
      },
      tables: [
        {
          title: 'Answers (expected: 401 for every bad token, 403 for every refusal)',
          columns: ['endpoint', ...badTokenKinds, 'wrong role / other class'],
          rows,
        },
      ],
      passed: false,
    };
    writeResult('07-auth-matrix', result);
    expect(failures).toEqual([]);
    writeResult('07-auth-matrix', { ...result, passed: true });
  });
});

/** Authenticates (or not) and subscribes to `classId`; returns what happened first. */
function wsAttempt(url: string, token: string | undefined, classId: string): Promise<string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    const timer = setTimeout(() => {
      ws.terminate();
      resolve('no answer');
    }, 10_000);
    const finish = (outcome: string) => {
      clearTimeout(timer);
      ws.removeAllListeners();
      ws.on('error', () => undefined);
      ws.close();
      resolve(outcome);
    };
    ws.on('open', () => {
      if (token !== undefined) ws.send(JSON.stringify({ type: 'auth', token }));
      else ws.send(JSON.stringify({ type: 'subscribe', classId }));
    });
    ws.on('message', (data) => {
      const message = JSON.parse(data.toString()) as { type: string; code?: string };
      if (message.type === 'authenticated') ws.send(JSON.stringify({ type: 'subscribe', classId }));
      else if (message.type === 'snapshot') finish('snapshot');
      else if (message.type === 'error' && message.code === 'forbidden') finish('forbidden');
    });
    ws.on('close', (code) => finish(`closed ${code}`));
    ws.on('error', () => finish('socket error'));
  });
}
