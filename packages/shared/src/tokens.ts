import { createRemoteJWKSet, type JWTPayload, errors as joseErrors, jwtVerify } from 'jose';
import { CellstreamError } from './errors.js';

/**
 * The token design of CONTRACT.md: JWTs signed by lms-api with an asymmetric key whose public
 * half is published at `<lms-api>/.well-known/jwks.json`. Ingest and realtime verify them with
 * no shared secret. A student's token carries its classes (those it is enrolled in), an
 * instructor's the classes it teaches; an admin's none (an admin may see every class).
 */
export const TOKEN_ISSUER = 'cellstream-lms';
export const TOKEN_AUDIENCE = 'cellstream';

export type Role = 'admin' | 'instructor' | 'student';

export interface TokenClaims {
  /** The user's id: for a student, the `userId` of its events. */
  sub: string;
  role: Role;
  /** Class ids (lms-api's numeric id as a string) this user may act on. */
  classes: string[];
  /** `ingest` for long-lived ingest tokens issued by an instructor (revocable); `session` otherwise. */
  kind: 'session' | 'ingest';
  /** Token id: what revocation names. */
  jti?: string;
  exp?: number;
}

export class TokenError extends CellstreamError {
  constructor(
    code: 'AUTH_TOKEN_MISSING' | 'AUTH_TOKEN_INVALID' | 'AUTH_TOKEN_EXPIRED',
    message: string,
    cause?: unknown,
  ) {
    super(code, message, { status: 401, cause });
  }
}

export type TokenVerifier = (token: string) => Promise<TokenClaims>;

/**
 * Verifies tokens against a JWKS URL. jose caches the key set and fetches it again when a
 * token names a key id it has not seen (key rotation), at most once per `cooldownMs`.
 */
export function createTokenVerifier(jwksUrl: string, options: { cooldownMs?: number } = {}): TokenVerifier {
  const keys = createRemoteJWKSet(new URL(jwksUrl), {
    cooldownDuration: options.cooldownMs ?? 30_000,
    cacheMaxAge: 10 * 60_000,
  });
  return async (token) => {
    try {
      const { payload } = await jwtVerify(token, keys, { issuer: TOKEN_ISSUER, audience: TOKEN_AUDIENCE });
      return toClaims(payload);
    } catch (error) {
      if (error instanceof TokenError) throw error;
      if (error instanceof joseErrors.JWTExpired) {
        throw new TokenError(
          'AUTH_TOKEN_EXPIRED',
          'The token has expired: log in again for a new one.',
          error,
        );
      }
      throw new TokenError(
        'AUTH_TOKEN_INVALID',
        'The token is not valid: log in again for a new one.',
        error,
      );
    }
  };
}

function toClaims(payload: JWTPayload): TokenClaims {
  const { sub, role, classes, kind, jti, exp } = payload as JWTPayload & Record<string, unknown>;
  const roles: Role[] = ['admin', 'instructor', 'student'];
  if (
    typeof sub !== 'string' ||
    !roles.includes(role as Role) ||
    !Array.isArray(classes) ||
    !classes.every((id) => typeof id === 'string')
  ) {
    throw new TokenError('AUTH_TOKEN_INVALID', 'The token lacks the claims sub, role and classes.');
  }
  return {
    sub,
    role: role as Role,
    classes: classes as string[],
    kind: kind === 'ingest' ? 'ingest' : 'session',
    jti: typeof jti === 'string' ? jti : undefined,
    exp: typeof exp === 'number' ? exp : undefined,
  };
}

/** Reads `Authorization: Bearer <token>`; throws AUTH_TOKEN_MISSING when absent or malformed. */
export function bearerToken(header: string | undefined): string {
  const match = header === undefined ? null : /^Bearer\s+(\S+)$/i.exec(header.trim());
  if (!match?.[1]) {
    throw new TokenError('AUTH_TOKEN_MISSING', 'Send the token as `Authorization: Bearer <token>`.');
  }
  return match[1];
}

/** Where lms-api publishes its public keys: `JWKS_URL` when set, else under `LMS_URL`. */
export function lmsJwksUrl(config: { LMS_URL: string; JWKS_URL?: string | undefined }): string {
  return config.JWKS_URL ?? `${config.LMS_URL.replace(/\/+$/, '')}/.well-known/jwks.json`;
}

/** Where lms-api lists the ingest tokens it revoked (RevocationList polls it). */
export function lmsRevocationsUrl(config: { LMS_URL: string }): string {
  return `${config.LMS_URL.replace(/\/+$/, '')}/.well-known/revoked-tokens`;
}
