import { signingKeys } from '@cellstream/db';
import { exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeySealer, privateJwkOf } from '../src/auth/key-encryption.js';
import { KeyStore } from '../src/auth/keys.js';
import { loadLmsConfig } from '../src/config.js';
import { createTestApp, type TestApp } from './helpers.js';

const SECRET = 'a-signing-key-secret-of-forty-characters!';
const OTHER_SECRET = 'another-secret-that-is-long-enough-to-use';
const RETAIN = { retainRetiredMs: 86_400_000 };

describe('sealing private signing keys (unit)', () => {
  it('opens what it sealed, and refuses another secret, another kid or a missing secret', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = await exportJWK(privateKey);
    const sealed = new KeySealer(SECRET).seal('kid-1', jwk);
    expect(JSON.stringify(sealed)).not.toContain(jwk.d as string);
    expect(new KeySealer(SECRET).open('kid-1', sealed)).toEqual(jwk);
    expect(() => new KeySealer(OTHER_SECRET).open('kid-1', sealed)).toThrow(
      expect.objectContaining({ code: 'LMS_SIGNING_KEY_UNREADABLE' }),
    );
    // The kid is authenticated: a sealed key copied to another row does not open.
    expect(() => new KeySealer(SECRET).open('kid-2', sealed)).toThrow(
      expect.objectContaining({ code: 'LMS_SIGNING_KEY_UNREADABLE' }),
    );
    expect(() => privateJwkOf('kid-1', sealed, undefined)).toThrow(/SIGNING_KEY_SECRET is not set/);
    expect(privateJwkOf('kid-1', jwk, undefined)).toEqual(jwk);
  });

  it('refuses a secret shorter than 32 characters', () => {
    expect(() => loadLmsConfig({ SIGNING_KEY_SECRET: 'short' })).toThrow(/SIGNING_KEY_SECRET/);
  });
});

describe('sealed signing keys in PostgreSQL', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp('lms_keys_sealed', { SIGNING_KEY_SECRET: SECRET });
  });

  afterAll(async () => {
    await t.close();
  });

  const storedKeys = () => t.db.select().from(signingKeys);

  it('stores only sealed private keys, and signs tokens the API accepts, before and after a rotation', async () => {
    const admin = await t.adminToken();
    expect((await t.as(admin).get('/api/v1/classes')).statusCode).toBe(200);
    expect((await t.as(admin).post('/api/v1/admin/keys/rotate')).statusCode).toBe(200);
    const after = await t.login('admin', 'test-admin-password');
    expect((await t.as(after).get('/api/v1/classes')).statusCode).toBe(200);
    expect((await t.as(admin).get('/api/v1/classes')).statusCode).toBe(200);

    const rows = await storedKeys();
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row.privateJwk).toHaveProperty('sealed');
      expect(row.privateJwk).not.toHaveProperty('d');
      expect(row.publicJwk).not.toHaveProperty('d');
    }
  });

  it('refuses to start without the secret, or with another one', async () => {
    await expect(new KeyStore(t.db, RETAIN).ensureKey()).rejects.toMatchObject({
      code: 'LMS_SIGNING_KEY_UNREADABLE',
    });
    await expect(new KeyStore(t.db, { ...RETAIN, secret: OTHER_SECRET }).ensureKey()).rejects.toMatchObject({
      code: 'LMS_SIGNING_KEY_UNREADABLE',
    });
  });
});

describe('a deployment that sets SIGNING_KEY_SECRET later', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp('lms_keys_plain');
  });

  afterAll(async () => {
    await t.close();
  });

  it('has its plain keys sealed at the next start, same kid, tokens still valid', async () => {
    const token = await t.adminToken();
    const [before] = await t.db.select().from(signingKeys);
    expect(before?.privateJwk).toHaveProperty('d');

    const sealedStore = new KeyStore(t.db, { ...RETAIN, secret: SECRET });
    await sealedStore.ensureKey();
    const rows = await t.db.select().from(signingKeys);
    expect(rows.map((row) => row.kid)).toEqual([before?.kid]);
    expect(rows[0]?.privateJwk).toHaveProperty('sealed');
    expect((await sealedStore.signingKey()).kid).toBe(before?.kid);
    // Sealing changes nothing for the tokens already out.
    expect((await t.as(token).get('/api/v1/classes')).statusCode).toBe(200);
  });
});
