import type { TokenClaims } from '@cellstream/shared';
import { IngestError } from '../errors.js';
import { isPlainObject } from './validate.js';

/**
 * Refuses the whole batch (403, nothing accepted) when any event speaks for another student or
 * for a class the token does not carry. A batch is one client's; an event of someone else's in
 * it is a broken or malicious client, not one bad event to skip, so none of it is trusted.
 * Checked before per-event validation, on every event that names a userId or classId as a
 * string, whether or not the rest of that event is valid.
 */
export function checkOwnership(items: readonly unknown[], claims: TokenClaims): void {
  let classes: Set<string> | undefined;
  for (const [index, item] of items.entries()) {
    if (!isPlainObject(item)) continue;
    const { userId, classId } = item;
    if (typeof userId === 'string' && userId !== claims.sub) {
      throw new IngestError(
        'INGEST_FOREIGN_USER',
        `Event ${index} has userId ${JSON.stringify(userId.slice(0, 100))}, not the token's user; nothing was accepted.`,
        { context: { index } },
      );
    }
    if (typeof classId === 'string') {
      classes ??= new Set(claims.classes);
      if (!classes.has(classId)) {
        throw new IngestError(
          'INGEST_FOREIGN_CLASS',
          `Event ${index} has classId ${JSON.stringify(classId.slice(0, 100))}, not one of the token's classes; nothing was accepted.`,
          { context: { index } },
        );
      }
    }
  }
}
