import { type Database, students, users } from '@cellstream/db';
import { bearerToken } from '@cellstream/shared';
import { eq } from 'drizzle-orm';
import type { FastifyRequest } from 'fastify';
import { LmsError } from '../errors.js';
import type { Principal } from './principal.js';
import type { TokenService } from './tokens.js';

/**
 * The `onRequest` hook of every authenticated route: verifies the bearer token against our own
 * keys and loads its account. Ingest tokens are refused here: they are for ingest only.
 */
export function createAuthenticate(db: Database, tokens: TokenService) {
  return async function authenticate(request: FastifyRequest): Promise<void> {
    const claims = await tokens.verify(bearerToken(request.headers.authorization));
    if (claims.kind !== 'session') {
      throw new LmsError(
        'AUTH_TOKEN_KIND',
        'Ingest tokens only work for ingest: log in for a session token.',
      );
    }
    const principal = await loadPrincipal(db, claims.sub);
    if (!principal)
      throw new LmsError('AUTH_ACCOUNT_DISABLED', 'This account is disabled or no longer exists.');
    request.principal = principal;
  };
}

export async function loadPrincipal(db: Database, username: string): Promise<Principal | undefined> {
  const [row] = await db
    .select({
      id: users.id,
      username: users.username,
      role: users.role,
      displayName: users.displayName,
      disabled: users.disabled,
      studentId: students.id,
    })
    .from(users)
    .leftJoin(students, eq(students.userId, users.username))
    .where(eq(users.username, username))
    .limit(1);
  if (!row || row.disabled) return undefined;
  return {
    id: row.id,
    username: row.username,
    role: row.role,
    displayName: row.displayName,
    studentId: row.role === 'student' ? row.studentId : null,
  };
}
