import { auditLog, type Database } from '@cellstream/db';
import type { Principal } from '../auth/principal.js';

/** Records who did what to which data (exports, deletions, privacy changes, key rotations, token revocations). */
export async function audit(
  db: Pick<Database, 'insert'>,
  actor: Principal | null,
  action: string,
  target: string,
  details: Record<string, unknown> = {},
): Promise<void> {
  await db.insert(auditLog).values({ actor: actor?.username ?? null, action, target, details });
}
