import { type TokenClaims, TokenError, type TokenVerifier } from '@cellstream/shared';
import { ProtocolError } from './errors.js';

export type Authenticate = (token: string) => Promise<TokenClaims>;

/**
 * Verifies a dashboard token with lms-api's JWKS and maps every failure to a protocol error:
 * expired → token_expired; keys unreachable → auth_unavailable (the client retries later, the
 * token may well be good); anything else → unauthorized. Ingest tokens (long-lived, for the
 * JupyterLab extension, revocable only where ingest checks them) cannot open a dashboard.
 */
export function createAuthenticator(verify: TokenVerifier): Authenticate {
  return async (token) => {
    let claims: TokenClaims;
    try {
      claims = await verify(token);
    } catch (error) {
      throw toProtocolError(error);
    }
    if (claims.kind !== 'session') {
      throw new ProtocolError(
        'unauthorized',
        'Ingest tokens cannot open a dashboard: log in for a session token.',
      );
    }
    return claims;
  };
}

/** An instructor sees the classes it teaches, an admin every class; students none yet (a later issue). */
export function mayView(claims: Pick<TokenClaims, 'role' | 'classes'>, classId: string): boolean {
  if (claims.role === 'admin') return true;
  if (claims.role === 'instructor') return claims.classes.includes(classId);
  return false;
}

/** jose error codes meaning "the key set could not be fetched", not "the token is bad". */
const keysUnavailable = new Set(['ERR_JWKS_TIMEOUT', 'ERR_JOSE_GENERIC']);

function toProtocolError(error: unknown): ProtocolError {
  if (error instanceof TokenError && error.code === 'AUTH_TOKEN_EXPIRED') {
    return new ProtocolError('token_expired', error.message);
  }
  if (error instanceof TokenError && error.cause !== undefined) {
    // jose's own errors carry a string code (ERR_JWS_...); a fetch failure is a bare TypeError.
    const code = (error.cause as { code?: unknown }).code;
    if (typeof code !== 'string' || !code.startsWith('ERR_') || keysUnavailable.has(code)) {
      return new ProtocolError(
        'auth_unavailable',
        'The token could not be checked: the keys of lms-api are unreachable. Try again shortly.',
      );
    }
  }
  const message = error instanceof Error ? error.message : 'The token is not valid.';
  return new ProtocolError('unauthorized', message);
}
