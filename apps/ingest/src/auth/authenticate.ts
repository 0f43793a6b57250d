import type { RevocationCheck } from '@cellstream/shared';
import { bearerToken, type TokenClaims, TokenError, type TokenVerifier } from '@cellstream/shared';
import { IngestError } from '../errors.js';
import { cachedVerifier } from './token-cache.js';

/**
 * Who sends a batch: a student's token (a session token from login, or a long-lived ingest
 * token an instructor issued for the extension), verified against lms-api's published keys.
 * Throws TokenError (401: missing, invalid, expired), IngestError (401: revoked) or IngestError (403: not a student).
 */
export type Authenticator = (authorization: string | undefined) => Promise<TokenClaims>;

export function createAuthenticator(deps: {
  verifier: TokenVerifier;
  revocations?: RevocationCheck;
  clock?: () => number;
}): Authenticator {
  const verify = cachedVerifier(deps.verifier, { clock: deps.clock });
  return async (authorization) => {
    const claims = await verify(bearerToken(authorization)).catch((error: unknown) => {
      throw keySetUnavailable(error) ?? error;
    });
    if (claims.kind === 'ingest' && claims.jti !== undefined && deps.revocations?.isRevoked(claims.jti)) {
      throw new IngestError(
        'AUTH_TOKEN_REVOKED',
        'This ingest token was revoked; ask your instructor for a new one.',
      );
    }
    if (claims.role !== 'student') {
      throw new IngestError(
        'INGEST_NOT_A_STUDENT',
        `Events are sent with a student's token; this one is an ${claims.role}'s.`,
      );
    }
    return claims;
  };
}

/** jose's codes for a key set that could not be fetched or read (not for a bad token). */
const keySetFailures = new Set(['ERR_JWKS_TIMEOUT', 'ERR_JOSE_GENERIC']);

/**
 * The shared verifier reports every failure but expiry as AUTH_TOKEN_INVALID, including lms-api
 * being unreachable. A client told 401 would drop a good token and ask its user to log in again;
 * when the keys could not be fetched, the answer is 503 (retry later) instead.
 */
function keySetUnavailable(error: unknown): IngestError | undefined {
  if (!(error instanceof TokenError) || error.code !== 'AUTH_TOKEN_INVALID') return undefined;
  const cause = error.cause as { code?: unknown } | undefined;
  const unreachable = cause instanceof TypeError; // fetch() failing: refused, reset, DNS
  if (!unreachable && !(typeof cause?.code === 'string' && keySetFailures.has(cause.code))) return undefined;
  return new IngestError(
    'INGEST_AUTH_UNAVAILABLE',
    "The token cannot be checked now: lms-api's keys could not be fetched. Retry shortly.",
    { cause: error },
  );
}
