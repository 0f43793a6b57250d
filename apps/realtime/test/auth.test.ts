import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningRealtime } from '../src/app.js';
import { TestClient } from './support/client.js';
import { createTestBed, type TestBed } from './support/realtime.js';
import { aggregate } from './support/records.js';

let bed: TestBed;
let realtime: RunningRealtime;

beforeAll(async () => {
  bed = await createTestBed('realtime-auth');
  await bed.producer.send([aggregate('taught'), aggregate('not-taught')]);
  realtime = await bed.start({ AUTH_TIMEOUT_MS: '500', MAX_SUBSCRIPTIONS: '2' });
});

afterAll(async () => {
  await bed?.close();
});

const instructor = () => bed.issuer.sign({ sub: 'ada', role: 'instructor', classes: ['taught'] });

/** Connects, sends the messages, and resolves with the error received and the close code. */
async function refused(...messages: unknown[]) {
  const client = await TestClient.connect(realtime.wsUrl);
  for (const message of messages) client.send(message);
  const closed = await client.closed;
  return { errors: client.ofType('error'), closed, client };
}

describe('who may see what', () => {
  it('lets an instructor subscribe to a class it teaches and refuses the others with forbidden, keeping the connection', async () => {
    const client = await TestClient.authenticated(realtime.wsUrl, await instructor());
    expect(client.ofType('authenticated')[0]).toMatchObject({
      userId: 'ada',
      role: 'instructor',
      classes: ['taught'],
    });
    const snapshot = await client.subscribe('taught');
    expect(snapshot.aggregate.classId).toBe('taught');

    client.send({ type: 'subscribe', classId: 'not-taught' });
    const error = await client.waitFor((message) => message.type === 'error');
    expect(error).toMatchObject({ type: 'error', code: 'forbidden', classId: 'not-taught' });
    expect(error.message).toEqual(expect.any(String));

    client.send({ type: 'ping' });
    await client.waitFor((message) => message.type === 'pong');
    expect(client.ofType('snapshot', 'not-taught')).toEqual([]);
    client.close();
  });

  it('lets an admin see every class, up to MAX_SUBSCRIPTIONS at once', async () => {
    const token = await bed.issuer.sign({ sub: 'root', role: 'admin', classes: [] });
    const client = await TestClient.authenticated(realtime.wsUrl, token);
    expect((await client.subscribe('not-taught')).aggregate.classId).toBe('not-taught');
    expect((await client.subscribe('taught')).aggregate.classId).toBe('taught');
    // MAX_SUBSCRIPTIONS is 2 here; subscribing again to one of them answers a fresh snapshot.
    client.send({ type: 'subscribe', classId: 'third' });
    expect(await client.waitFor((message) => message.type === 'error')).toMatchObject({
      code: 'too_many_subscriptions',
      classId: 'third',
    });
    expect((await client.subscribe('taught')).aggregate.classId).toBe('taught');
    client.close();
  });

  it('refuses class channels to students, even for their own class', async () => {
    const token = await bed.issuer.sign({ sub: 'bob', role: 'student', classes: ['taught'] });
    const client = await TestClient.authenticated(realtime.wsUrl, token);
    client.send({ type: 'subscribe', classId: 'taught' });
    expect(await client.waitFor((message) => message.type === 'error')).toMatchObject({
      code: 'forbidden',
      classId: 'taught',
    });
    client.close();
  });

  it('answers unsubscribe and keeps answering after a bad message once authenticated', async () => {
    const client = await TestClient.authenticated(realtime.wsUrl, await instructor());
    await client.subscribe('taught');
    client.send('not json');
    expect(await client.waitFor((message) => message.type === 'error')).toMatchObject({
      code: 'bad_request',
    });
    client.send({ type: 'unsubscribe', classId: 'taught' });
    expect(await client.waitFor((message) => message.type === 'unsubscribed')).toEqual({
      type: 'unsubscribed',
      classId: 'taught',
    });
    client.send({ type: 'teleport' });
    await client.waitFor(
      (message) => message.type === 'error' && message.message.includes('Unknown message type'),
    );
    client.close();
  });
});

describe('tokens refused', () => {
  it('refuses an expired token with token_expired and closes with 4401', async () => {
    const token = await bed.issuer.sign({
      sub: 'ada',
      role: 'instructor',
      classes: ['taught'],
      exp: Math.floor(Date.now() / 1000) - 120,
    });
    const { errors, closed } = await refused({ type: 'auth', token });
    expect(errors).toEqual([{ type: 'error', code: 'token_expired', message: expect.any(String) }]);
    expect(closed).toEqual({ code: 4401, reason: 'unauthorized' });
  });

  it('refuses a tampered token (claims edited after signing) with unauthorized', async () => {
    const [header, payload = '', signature] = (await instructor()).split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const tampered = Buffer.from(JSON.stringify({ ...claims, role: 'admin' })).toString('base64url');
    const { errors, closed } = await refused({ type: 'auth', token: `${header}.${tampered}.${signature}` });
    expect(errors).toMatchObject([{ code: 'unauthorized' }]);
    expect(closed.code).toBe(4401);
  });

  it('refuses a token signed with a key lms-api does not publish, and garbage', async () => {
    const forged = await bed.issuer.signForged({ sub: 'ada', role: 'admin' });
    expect((await refused({ type: 'auth', token: forged })).errors).toMatchObject([{ code: 'unauthorized' }]);
    expect((await refused({ type: 'auth', token: 'not.a.token' })).closed.code).toBe(4401);
  });

  it('refuses ingest tokens: they are for the JupyterLab extension, not dashboards', async () => {
    const token = await bed.issuer.sign({
      sub: 'ada',
      role: 'instructor',
      classes: ['taught'],
      kind: 'ingest',
    });
    expect((await refused({ type: 'auth', token })).errors).toMatchObject([{ code: 'unauthorized' }]);
  });

  it('refuses any message before auth with auth_required', async () => {
    const { errors, closed, client } = await refused({ type: 'subscribe', classId: 'taught' });
    expect(errors).toMatchObject([{ code: 'auth_required' }]);
    expect(closed.code).toBe(4401);
    expect(client.ofType('snapshot')).toEqual([]);
  });

  it('closes a connection that does not authenticate in time with auth_timeout', async () => {
    const { errors, closed } = await refused();
    expect(errors).toMatchObject([{ code: 'auth_timeout' }]);
    expect(closed.code).toBe(4401);
  });

  it('closes the connection when the token expires while connected, and accepts a refreshed token before', async () => {
    const soon = Math.floor(Date.now() / 1000) + 2;
    const client = await TestClient.authenticated(
      realtime.wsUrl,
      await bed.issuer.sign({ sub: 'ada', role: 'instructor', classes: ['taught'], exp: soon }),
    );
    await client.subscribe('taught');
    const closed = await client.closed;
    expect(client.ofType('error')).toMatchObject([{ code: 'token_expired' }]);
    expect(closed.code).toBe(4401);

    // A refresh drops the classes the new token may not see.
    const refreshed = await TestClient.authenticated(
      realtime.wsUrl,
      await bed.issuer.sign({ sub: 'ada', role: 'instructor', classes: ['taught'], exp: soon + 1 }),
    );
    await refreshed.subscribe('taught');
    refreshed.send({
      type: 'auth',
      token: await bed.issuer.sign({ sub: 'ada', role: 'instructor', classes: ['other'] }),
    });
    expect(await refreshed.waitFor((message) => message.type === 'error')).toMatchObject({
      code: 'forbidden',
      classId: 'taught',
    });
    await refreshed.waitFor((message, index) => message.type === 'authenticated' && index > 1);
    // Past the first token's expiry: the refreshed token's expiry replaced it.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, (soon + 1) * 1000 + 700 - Date.now())));
    expect(refreshed.ws.readyState).toBe(refreshed.ws.OPEN);
    refreshed.close();
  });

  it('answers auth_unavailable and closes with 1013 when the keys cannot be fetched', async () => {
    const unreachable = await bed.start({ JWKS_URL: 'http://127.0.0.1:9/.well-known/jwks.json' });
    const client = await TestClient.connect(unreachable.wsUrl);
    client.send({ type: 'auth', token: await instructor() });
    const closed = await client.closed;
    expect(client.ofType('error')).toMatchObject([{ code: 'auth_unavailable' }]);
    expect(closed.code).toBe(1013);
  });
});
