import type { RevocationCheck } from '@cellstream/shared';
import { type TokenClaims, TokenError, type TokenVerifier } from '@cellstream/shared';
import { ProtocolError } from './errors.js';
import type { Channel } from './protocol.js';

export type Authenticate = (token: string) => Promise<TokenClaims>;

/**
 * Verifies a token with lms-api's JWKS and maps every failure to a protocol error:
 * expired → token_expired; revoked → token_revoked; keys unreachable → auth_unavailable (the
 * client retries later, the token may well be good); anything else → unauthorized.
 *
 * Ingest tokens (long-lived, held by the JupyterLab extension for a student) are accepted for
 * students only, since the extension shows the student its own notifications; lms-api may revoke
 * them, so they are checked against the revocation list (`revocations.ready` first, so that the
 * first connections after start are checked too).
 */
export function createAuthenticator(
  verify: TokenVerifier,
  revocations?: RevocationCheck & { ready?: Promise<unknown> },
): Authenticate {
  return async (token) => {
    let claims: TokenClaims;
    try {
      claims = await verify(token);
    } catch (error) {
      throw toProtocolError(error);
    }
    if (claims.kind === 'ingest' && claims.role !== 'student') {
      throw new ProtocolError(
        'unauthorized',
        "Ingest tokens are a student's, for the JupyterLab extension: log in for a session token.",
      );
    }
    await revocations?.ready;
    if (isRevoked(claims, revocations)) {
      throw new ProtocolError('token_revoked', 'This token was revoked: ask your instructor for a new one.');
    }
    return claims;
  };
}

/** Whether lms-api lists the token as revoked (only tokens with an id can be). */
export function isRevoked(
  claims: Pick<TokenClaims, 'jti'>,
  revocations: RevocationCheck | undefined,
): boolean {
  return claims.jti !== undefined && (revocations?.isRevoked(claims.jti) ?? false);
}

/**
 * Who may subscribe to what (CONTRACT.md): an admin to everything; an instructor to the class and
 * broadcast channels of the classes it teaches (the token's classes), never to a student's own
 * channels; a student to its own progress and notifications and to the broadcasts of its classes.
 * A student can never reach another student's channels, nor any class channel.
 */
export function mayAccess(claims: Pick<TokenClaims, 'role' | 'classes' | 'sub'>, channel: Channel): boolean {
  if (claims.role === 'admin') return true;
  switch (channel.kind) {
    case 'class':
      return claims.role === 'instructor' && claims.classes.includes(channel.id);
    case 'broadcast':
      return claims.classes.includes(channel.id);
    case 'progress':
    case 'notifications':
      return claims.role === 'student' && claims.sub === channel.id;
  }
}

/** Why a channel is refused, for the error's message. */
export function forbiddenReason(claims: Pick<TokenClaims, 'role'>, channel: Channel): string {
  switch (channel.kind) {
    case 'class':
      return claims.role === 'student'
        ? 'Students cannot watch class channels.'
        : `Class ${channel.id} is not one of the classes this token's user teaches.`;
    case 'broadcast':
      return `Class ${channel.id} is not one of this token's classes.`;
    case 'progress':
    case 'notifications':
      return claims.role === 'student'
        ? "A student may subscribe to its own channels only, never to another student's."
        : "A student's own progress and notifications are for that student only.";
  }
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
