import { type Database, users } from '@cellstream/db';
import { eq } from 'drizzle-orm';
import { hashPassword } from './auth/password.js';

/**
 * The first admin, from ADMIN_USERNAME / ADMIN_PASSWORD, created only when no user of that name
 * exists: a password changed later through the API is never reset by a restart.
 */
export async function ensureAdmin(
  db: Database,
  username: string,
  password: string,
): Promise<'created' | 'exists'> {
  const [existing] = await db
    .select({ id: users.id })
    .from(users)
    .where(eq(users.username, username))
    .limit(1);
  if (existing) return 'exists';
  const inserted = await db
    .insert(users)
    .values({
      username,
      passwordHash: await hashPassword(password),
      role: 'admin',
      displayName: 'Administrator',
    })
    .onConflictDoNothing({ target: users.username })
    .returning({ id: users.id });
  return inserted.length > 0 ? 'created' : 'exists';
}
