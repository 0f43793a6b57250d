import type { UserRole } from '@cellstream/db';
import type { FastifyRequest } from 'fastify';
import { LmsError } from '../errors.js';

/** The authenticated caller, read from the database on every request (so a disabled account stops at once). */
export interface Principal {
  /** `users.id`. */
  id: number;
  username: string;
  role: UserRole;
  displayName: string;
  /** `students.id` for a student, else null. */
  studentId: number | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new LmsError('LMS_INTERNAL', 'Route is missing its authentication hook.');
  return request.principal;
}

export function requireRole(principal: Principal, ...roles: UserRole[]): void {
  if (!roles.includes(principal.role)) {
    throw new LmsError(
      'LMS_FORBIDDEN',
      `This needs the role ${roles.join(' or ')}; you are ${principal.role}.`,
    );
  }
}
