import { createTokenVerifier, TOKEN_AUDIENCE, TOKEN_ISSUER, type TokenVerifier } from '@cellstream/shared';
import { decodeProtectedHeader, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { TokenService } from '../src/auth/tokens.js';
import { ADMIN, codeOf, createTestApp, type TestApp } from './helpers.js';

describe('identity: login, tokens, keys', () => {
  let t: TestApp;
  let verify: TokenVerifier;
  let baseUrl: string;

  beforeAll(async () => {
    t = await createTestApp('lms_auth');
    // ingest and realtime verify through the JWKS over HTTP: so do we.
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const address = t.app.server.address();
    if (!address || typeof address === 'string') throw new Error('no port');
    baseUrl = `http://127.0.0.1:${address.port}`;
    verify = createTokenVerifier(`${baseUrl}/.well-known/jwks.json`, { cooldownMs: 0 });
  });

  afterAll(async () => {
    await t.close();
  });

  it('logs the admin in with a token ingest and realtime accept', async () => {
    const response = await t.as().post('/api/v1/auth/login', ADMIN);
    expect(response.statusCode).toBe(200);
    const body = response.json<{ token: string; role: string; expiresAt: string }>();
    expect(body.role).toBe('admin');
    const claims = await verify(body.token);
    expect(claims).toMatchObject({ sub: 'admin', role: 'admin', classes: [], kind: 'session' });
    expect(claims.jti).toEqual(expect.any(String));
    expect(claims.exp).toBe(Math.floor(Date.parse(body.expiresAt) / 1000));
    expect(decodeProtectedHeader(body.token)).toMatchObject({ alg: 'ES256', kid: expect.any(String) });
  });

  it("carries a student's enrolled classes and an instructor's taught classes", async () => {
    const teacher = await t.instructor('auth-teacher');
    const first = await t.createClass(teacher.token, 'AUTH-1');
    const second = await t.createClass(teacher.token, 'AUTH-2');
    const before = await t.student('auth-student');
    expect((await verify(before.token)).classes).toEqual([]);
    await t.enroll(teacher.token, second, 'auth-student');
    await t.enroll(teacher.token, first, 'auth-student');
    const after = await t.login('auth-student', 'auth-student-password');
    expect(await verify(after)).toMatchObject({
      sub: 'auth-student',
      role: 'student',
      classes: [String(first), String(second)],
      kind: 'session',
    });
    const teacherToken = await t.login('auth-teacher', 'auth-teacher-password');
    expect((await verify(teacherToken)).classes).toEqual([String(first), String(second)]);
  });

  it('refuses a wrong password and an unknown user alike (401)', async () => {
    const wrong = await t.as().post('/api/v1/auth/login', { username: 'admin', password: 'nope-nope' });
    const unknown = await t.as().post('/api/v1/auth/login', { username: 'ghost', password: 'nope-nope' });
    for (const response of [wrong, unknown]) {
      expect(response.statusCode).toBe(401);
      expect(response.json()).toEqual({ code: 'AUTH_INVALID_CREDENTIALS', message: expect.any(String) });
    }
  });

  it('refuses a malformed login body (400) with details', async () => {
    const response = await t.as().post('/api/v1/auth/login', { username: 'admin' });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      code: 'LMS_VALIDATION',
      details: [{ path: 'body', message: expect.stringContaining('password') }],
    });
    const notJson = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: '{"username":',
    });
    expect(notJson.statusCode).toBe(400);
    expect(codeOf(notJson)).toBe('LMS_BAD_REQUEST');
  });

  it('rate-limits logins per client address (429), across instances', async () => {
    const limited = await createTestApp('lms_auth_limit', { LOGIN_RATE_LIMIT: '2' });
    try {
      const attempt = () => limited.as().post('/api/v1/auth/login', { username: 'x', password: 'yyyyyyyy' });
      expect((await attempt()).statusCode).toBe(401);
      expect((await attempt()).statusCode).toBe(401);
      const third = await attempt();
      expect(third.statusCode).toBe(429);
      expect(codeOf(third)).toBe('AUTH_RATE_LIMITED');
      expect(third.headers['retry-after']).toBeDefined();

      // A second instance on the same database counts the same attempts: the limit is the
      // deployment's, not each instance's. Another address still has its own budget.
      const second = await buildApp({ db: limited.db, config: limited.config, keys: limited.keys });
      try {
        const other = await second.inject({
          method: 'POST',
          url: '/api/v1/auth/login',
          payload: { username: 'x', password: 'yyyyyyyy' },
        });
        expect(other.statusCode).toBe(429);
        const elsewhere = await second.inject({
          method: 'POST',
          url: '/api/v1/auth/login',
          remoteAddress: '10.1.2.3',
          payload: { username: 'x', password: 'yyyyyyyy' },
        });
        expect(elsewhere.statusCode).toBe(401);
      } finally {
        await second.close();
      }
    } finally {
      await limited.close();
    }
  });

  it('counts logins per forwarded client address behind a trusted proxy (TRUST_PROXY)', async () => {
    const proxied = await createTestApp('lms_auth_proxy', {
      LOGIN_RATE_LIMIT: '1',
      TRUST_PROXY: '127.0.0.1',
    });
    try {
      const from = (client: string) =>
        proxied.app.inject({
          method: 'POST',
          url: '/api/v1/auth/login',
          headers: { 'x-forwarded-for': client },
          payload: { username: 'x', password: 'yyyyyyyy' },
        });
      expect((await from('203.0.113.7')).statusCode).toBe(401);
      expect((await from('203.0.113.7')).statusCode).toBe(429);
      // Another student behind the same proxy is not locked out by the first.
      expect((await from('203.0.113.8')).statusCode).toBe(401);
    } finally {
      await proxied.close();
    }
  });

  it('refuses requests without a token, with a malformed header, or with a tampered token (401)', async () => {
    const missing = await t.as().get('/api/v1/classes');
    expect(missing.statusCode).toBe(401);
    expect(codeOf(missing)).toBe('AUTH_TOKEN_MISSING');

    const malformed = await t.app.inject({
      method: 'GET',
      url: '/api/v1/classes',
      headers: { authorization: 'Basic abc' },
    });
    expect(codeOf(malformed)).toBe('AUTH_TOKEN_MISSING');

    const token = await t.adminToken();
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'someone-else' })).toString('base64url');
    const tampered = `${header}.${forged}.${signature}`;
    const response = await t.as(tampered).get('/api/v1/classes');
    expect(response.statusCode).toBe(401);
    expect(codeOf(response)).toBe('AUTH_TOKEN_INVALID');
    await expect(verify(tampered)).rejects.toMatchObject({ code: 'AUTH_TOKEN_INVALID' });
    expect((await t.as('not-a-jwt').get('/api/v1/classes')).statusCode).toBe(401);
  });

  it('refuses a token signed by a key it did not publish (401)', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const kid = (await exportJWK(publicKey)).x ?? 'rogue';
    const rogue = await new SignJWT({ role: 'admin', classes: [], kind: 'session' })
      .setProtectedHeader({ alg: 'ES256', kid })
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setSubject('admin')
      .setExpirationTime('1h')
      .sign(privateKey);
    const response = await t.as(rogue).get('/api/v1/classes');
    expect(response.statusCode).toBe(401);
    expect(codeOf(response)).toBe('AUTH_TOKEN_INVALID');
    await expect(verify(rogue)).rejects.toMatchObject({ code: 'AUTH_TOKEN_INVALID' });
  });

  it('refuses an expired token (401 AUTH_TOKEN_EXPIRED), here and at ingest', async () => {
    const expired = await new TokenService(t.keys).issue({
      sub: 'admin',
      role: 'admin',
      classes: [],
      kind: 'session',
      ttlSeconds: -60,
    });
    const response = await t.as(expired.token).get('/api/v1/classes');
    expect(response.statusCode).toBe(401);
    expect(codeOf(response)).toBe('AUTH_TOKEN_EXPIRED');
    await expect(verify(expired.token)).rejects.toMatchObject({ code: 'AUTH_TOKEN_EXPIRED' });
  });

  it('refuses the token of a disabled account at once (401)', async () => {
    const teacher = await t.instructor('auth-disabled');
    expect((await t.as(teacher.token).get('/api/v1/users/me')).statusCode).toBe(200);
    const disable = await t.as(await t.adminToken()).put(`/api/v1/users/${teacher.id}`, { disabled: true });
    expect(disable.statusCode).toBe(200);
    const after = await t.as(teacher.token).get('/api/v1/users/me');
    expect(after.statusCode).toBe(401);
    expect(codeOf(after)).toBe('AUTH_ACCOUNT_DISABLED');
    const login = await t
      .as()
      .post('/api/v1/auth/login', { username: 'auth-disabled', password: 'auth-disabled-password' });
    expect(login.statusCode).toBe(401);
  });

  it('rotates keys: new tokens use the new key, old tokens stay valid, both keys are published', async () => {
    const admin = await t.adminToken();
    const oldKid = decodeProtectedHeader(admin).kid;
    const forbidden = await t
      .as((await t.instructor('auth-rotator')).token)
      .post('/api/v1/admin/keys/rotate');
    expect(forbidden.statusCode).toBe(403);
    expect(codeOf(forbidden)).toBe('LMS_FORBIDDEN');

    const rotate = await t.as(admin).post('/api/v1/admin/keys/rotate');
    expect(rotate.statusCode).toBe(200);
    const { kid, retired } = rotate.json<{ kid: string; retired: string[] }>();
    expect(retired).toEqual([oldKid]);
    expect(kid).not.toBe(oldKid);

    const fresh = await t.login(ADMIN.username, ADMIN.password);
    expect(decodeProtectedHeader(fresh).kid).toBe(kid);
    const jwks = (await (await fetch(`${baseUrl}/.well-known/jwks.json`)).json()) as {
      keys: { kid: string }[];
    };
    expect(jwks.keys.map((key) => key.kid).sort()).toEqual([kid, oldKid].sort());
    for (const key of jwks.keys) expect(key).not.toHaveProperty('d');

    expect((await t.as(admin).get('/api/v1/users/me')).statusCode).toBe(200);
    expect((await t.as(fresh).get('/api/v1/users/me')).statusCode).toBe(200);
    await expect(verify(admin)).resolves.toMatchObject({ sub: 'admin' });
    await expect(verify(fresh)).resolves.toMatchObject({ sub: 'admin' });
  });

  it('answers an unknown route with a JSON 404', async () => {
    const response = await t.as().get('/api/v1/nothing-here');
    expect(response.statusCode).toBe(404);
    expect(codeOf(response)).toBe('LMS_ROUTE_NOT_FOUND');
  });
});
