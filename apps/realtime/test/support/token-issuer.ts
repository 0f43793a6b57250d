import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TOKEN_AUDIENCE, TOKEN_ISSUER, type TokenClaims } from '@cellstream/shared';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';

type Claims = Partial<TokenClaims> & { sub: string };

/**
 * What realtime needs of lms-api until it runs beside the tests: an ES256 key whose public half
 * is served as a JWKS on a free port of 127.0.0.1 (with the list of revoked token ids beside it), and tokens signed with it carrying the claims
 * of CONTRACT.md (iss, aud, sub, role, classes, kind, jti, exp).
 */
export interface TokenIssuer {
  jwksUrl: string;
  /** The base URL standing for lms-api (LMS_URL): it also serves `/.well-known/revoked-tokens`. */
  lmsUrl: string;
  /** Lists the token id as revoked (until `exp`, seconds), as lms-api does once an instructor revokes it. */
  revoke(jti: string, exp: number): void;
  sign(claims: Claims, options?: { expiresInSeconds?: number }): Promise<string>;
  /** Signed with a key that is not published, under the published key id: a forgery. */
  signForged(claims: Claims): Promise<string>;
  close(): Promise<void>;
}

export async function startTokenIssuer(): Promise<TokenIssuer> {
  const kid = `test-${randomUUID()}`;
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const forged = await generateKeyPair('ES256');
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };

  const revoked: { jti: string; exp: number }[] = [];
  const server: Server = createServer((request, response) => {
    if (request.url === '/.well-known/revoked-tokens') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ revoked }));
      return;
    }
    if (request.url === '/.well-known/jwks.json') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ keys: [jwk] }));
      return;
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const signWith = (key: Parameters<SignJWT['sign']>[0], claims: Claims, expiresInSeconds = 3_600) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      role: claims.role ?? 'instructor',
      classes: claims.classes ?? [],
      kind: claims.kind ?? 'session',
    })
      .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setSubject(claims.sub)
      .setJti(claims.jti ?? randomUUID())
      .setIssuedAt(now - 60)
      .setExpirationTime(claims.exp ?? now + expiresInSeconds)
      .sign(key);
  };

  return {
    jwksUrl: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    lmsUrl: `http://127.0.0.1:${port}`,
    revoke: (jti, exp) => {
      revoked.push({ jti, exp });
    },
    sign: (claims, options = {}) => signWith(privateKey, claims, options.expiresInSeconds),
    signForged: (claims) => signWith(forged.privateKey, claims),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
