import type { LearningEvent } from '@cellstream/schemas';

/** What a class lets the persister keep (classes.store_code / store_outputs). */
export interface ClassPrivacy {
  storeCode: boolean;
  storeOutputs: boolean;
}

/** Privacy settings by classId; classes not in the map keep everything (the defaults). */
export type PrivacyByClass = ReadonlyMap<string, ClassPrivacy>;

const INT4_MAX = 2_147_483_647;

/**
 * The lms-api class ids among the events' classIds: a classId is lms-api's integer id as a
 * string (CONTRACT.md), so only canonical decimal strings within int4 can name a class.
 */
export function classIdsOf(events: readonly LearningEvent[]): number[] {
  const ids = new Set<number>();
  for (const { classId } of events) {
    if (classId === null || !/^(0|[1-9]\d{0,9})$/.test(classId)) continue;
    const id = Number(classId);
    if (id <= INT4_MAX) ids.add(id);
  }
  return [...ids];
}

/** The event's code, result and error message as the class allows them to be stored. */
export function privateFields(
  event: LearningEvent,
  privacy: PrivacyByClass,
): { code: string | null; result: string | null; errorMessage: string | null } {
  const settings = event.classId === null ? undefined : privacy.get(event.classId);
  const keepOutputs = settings?.storeOutputs ?? true;
  return {
    code: (settings?.storeCode ?? true) ? event.code : null,
    result: keepOutputs ? event.result : null,
    errorMessage: keepOutputs ? event.errorMessage : null,
  };
}
