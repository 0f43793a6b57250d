import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TOKEN_AUDIENCE, TOKEN_ISSUER, type TokenClaims } from '@cellstream/shared';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';

/**
 * What ingest needs of lms-api until it runs beside the tests: an ES256 key whose public half is
 * served at `/.well-known/jwks.json`, tokens signed with it carrying the claims of CONTRACT.md,
 * and `/.well-known/revoked-tokens`. On a free port of 127.0.0.1.
 */
export interface LmsStub {
  url: string;
  jwksUrl: string;
  sign(
    claims: Partial<TokenClaims> & { sub: string },
    options?: { expiresInSeconds?: number; kid?: string },
  ): Promise<string>;
  /** Signs with a key that is not published: a forged token. */
  signForged(claims: Partial<TokenClaims> & { sub: string }): Promise<string>;
  revoke(jti: string, exp?: number): void;
  /** When false, /.well-known/revoked-tokens answers 404 (an lms-api without it). */
  serveRevocations: boolean;
  requests: string[];
  close(): Promise<void>;
}

export async function startLmsStub(): Promise<LmsStub> {
  const kid = `test-${randomUUID()}`;
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const forged = await generateKeyPair('ES256', { extractable: true });
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  const revoked: { jti: string; exp: number }[] = [];
  const requests: string[] = [];
  const stub = { serveRevocations: true };

  const server: Server = createServer((request, response) => {
    requests.push(request.url ?? '');
    if (request.url === '/.well-known/jwks.json') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ keys: [jwk] }));
    } else if (request.url === '/.well-known/revoked-tokens' && stub.serveRevocations) {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ revoked }));
    } else {
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end('{"code":"NOT_FOUND"}');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  const signWith = async (
    key: Parameters<SignJWT['sign']>[0],
    keyId: string,
    claims: Partial<TokenClaims> & { sub: string },
    expiresInSeconds = 3_600,
  ) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      role: claims.role ?? 'student',
      classes: claims.classes ?? [],
      kind: claims.kind ?? 'session',
    })
      .setProtectedHeader({ alg: 'ES256', kid: keyId, typ: 'JWT' })
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setSubject(claims.sub)
      .setJti(claims.jti ?? randomUUID())
      .setIssuedAt(now - 60)
      .setExpirationTime(claims.exp ?? now + expiresInSeconds)
      .sign(key);
  };

  return Object.assign(stub, {
    url,
    jwksUrl: `${url}/.well-known/jwks.json`,
    requests,
    sign: (claims: Partial<TokenClaims> & { sub: string }, options: { expiresInSeconds?: number } = {}) =>
      signWith(privateKey, kid, claims, options.expiresInSeconds),
    signForged: (claims: Partial<TokenClaims> & { sub: string }) => signWith(forged.privateKey, kid, claims),
    revoke: (jti: string, exp = Math.floor(Date.now() / 1000) + 3_600) => {
      revoked.push({ jti, exp });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
