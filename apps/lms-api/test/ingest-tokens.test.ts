import { createTokenVerifier, type TokenVerifier } from '@cellstream/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, createTestApp, type TestApp } from './helpers.js';

describe('ingest tokens', () => {
  let t: TestApp;
  let verify: TokenVerifier;
  let alice: { id: number; token: string };
  let bob: { id: number; token: string };
  let classId: number;
  let student: string;

  beforeAll(async () => {
    t = await createTestApp('lms_ingest_tokens', { INGEST_TOKEN_TTL_DAYS: '90' });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const address = t.app.server.address();
    if (!address || typeof address === 'string') throw new Error('no port');
    verify = createTokenVerifier(`http://127.0.0.1:${address.port}/.well-known/jwks.json`);
    alice = await t.instructor('i-alice');
    bob = await t.instructor('i-bob');
    classId = await t.createClass(alice.token, 'I-1');
    student = (await t.student('hub-1', { classId })).token;
  });

  afterAll(async () => {
    await t.close();
  });

  it('issues a long-lived ingest token for an enrolled student, scoped to the class (201)', async () => {
    const response = await t.as(alice.token).post(`/api/v1/classes/${classId}/students/hub-1/ingest-tokens`);
    expect(response.statusCode).toBe(201);
    const { token, jti, expiresAt } = response.json<{ token: string; jti: string; expiresAt: string }>();
    const claims = await verify(token);
    expect(claims).toMatchObject({
      sub: 'hub-1',
      role: 'student',
      classes: [String(classId)],
      kind: 'ingest',
      jti,
    });
    const days = (Date.parse(expiresAt) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(89.9);
    expect(days).toBeLessThanOrEqual(90);

    const shorter = await t
      .as(await t.adminToken())
      .post(`/api/v1/classes/${classId}/students/hub-1/ingest-tokens`, { ttlDays: 7 });
    expect(shorter.statusCode).toBe(201);
    expect((Date.parse(shorter.json().expiresAt) - Date.now()) / 86_400_000).toBeLessThanOrEqual(7);
    const capped = await t
      .as(alice.token)
      .post(`/api/v1/classes/${classId}/students/hub-1/ingest-tokens`, { ttlDays: 3650 });
    expect((Date.parse(capped.json().expiresAt) - Date.now()) / 86_400_000).toBeLessThanOrEqual(90);
  });

  it('is refused by lms-api itself (403): it only works for ingest', async () => {
    const issued = await t.as(alice.token).post(`/api/v1/classes/${classId}/students/hub-1/ingest-tokens`);
    const response = await t.as(issued.json().token).get('/api/v1/classes');
    expect(response.statusCode).toBe(403);
    expect(codeOf(response)).toBe('AUTH_TOKEN_KIND');
  });

  it('refuses another instructor (403), students (403), unenrolled or unknown students and classes (404), bad bodies (400)', async () => {
    expect(
      (await t.as(bob.token).post(`/api/v1/classes/${classId}/students/hub-1/ingest-tokens`)).statusCode,
    ).toBe(403);
    expect(
      (await t.as(student).post(`/api/v1/classes/${classId}/students/hub-1/ingest-tokens`)).statusCode,
    ).toBe(403);
    await t.student('hub-2');
    const unenrolled = await t
      .as(alice.token)
      .post(`/api/v1/classes/${classId}/students/hub-2/ingest-tokens`);
    expect(unenrolled.statusCode).toBe(404);
    expect(
      (await t.as(alice.token).post(`/api/v1/classes/${classId}/students/ghost/ingest-tokens`)).statusCode,
    ).toBe(404);
    expect(
      (await t.as(alice.token).post('/api/v1/classes/999999/students/hub-1/ingest-tokens')).statusCode,
    ).toBe(404);
    const bad = await t
      .as(alice.token)
      .post(`/api/v1/classes/${classId}/students/hub-1/ingest-tokens`, { ttlDays: 0 });
    expect(bad.statusCode).toBe(400);
  });

  it('revokes (204, idempotent) and lists the revoked jti until it expires, without personal data', async () => {
    const issued = await t.as(alice.token).post(`/api/v1/classes/${classId}/students/hub-1/ingest-tokens`);
    const { jti } = issued.json<{ jti: string }>();
    const before = await t.as().get('/.well-known/revoked-tokens');
    expect(before.statusCode).toBe(200);
    expect(before.json().revoked.map((r: { jti: string }) => r.jti)).not.toContain(jti);

    expect((await t.as(bob.token).delete(`/api/v1/ingest-tokens/${jti}`)).statusCode).toBe(403);
    expect((await t.as(student).delete(`/api/v1/ingest-tokens/${jti}`)).statusCode).toBe(403);
    expect((await t.as(alice.token).delete(`/api/v1/ingest-tokens/${jti}`)).statusCode).toBe(204);
    expect((await t.as(alice.token).delete(`/api/v1/ingest-tokens/${jti}`)).statusCode).toBe(204);
    expect((await t.as(alice.token).delete('/api/v1/ingest-tokens/not-a-jti')).statusCode).toBe(404);

    const after = await t.as().get('/.well-known/revoked-tokens');
    const entry = after
      .json<{ revoked: { jti: string; exp: number }[] }>()
      .revoked.find((r) => r.jti === jti);
    expect(entry).toEqual({ jti, exp: (await verify(issued.json().token)).exp });
    expect(after.body).not.toContain('hub-1');

    const listed = await t.as(alice.token).get(`/api/v1/classes/${classId}/ingest-tokens`);
    expect(listed.statusCode).toBe(200);
    expect(listed.json()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ jti, userId: 'hub-1', classId, revokedAt: expect.any(String) }),
      ]),
    );
    expect(listed.body).not.toContain(issued.json().token);
    expect((await t.as(bob.token).get(`/api/v1/classes/${classId}/ingest-tokens`)).statusCode).toBe(403);
  });
});
