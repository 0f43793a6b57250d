/** The part of the Web Storage API the store uses (localStorage in the browser). */
export type KeyValueStorage = Pick<Storage, 'getItem' | 'setItem'>;

/**
 * Which notifications this student has already been shown, kept in localStorage per user so a
 * reconnect or a new tab (whose snapshot repeats the recent ones) does not show them again.
 * Bounded: the oldest ids are forgotten first, long after their snapshot stopped holding them.
 */
export class SeenNotifications {
  private readonly ids: string[];
  private readonly index: Set<string>;
  private readonly key: string;

  constructor(
    userId: string,
    private readonly storage: KeyValueStorage | undefined,
    private readonly limit = 500,
  ) {
    this.key = `cellstream:seen-notifications:${userId}`;
    this.ids = readIds(storage, this.key).slice(-limit);
    this.index = new Set(this.ids);
  }

  has(notificationId: string): boolean {
    return this.index.has(notificationId);
  }

  /** Remembers the ids; returns those that were new. */
  add(notificationIds: readonly string[]): string[] {
    const added: string[] = [];
    for (const id of notificationIds) {
      if (this.index.has(id)) continue;
      added.push(id);
      this.ids.push(id);
      this.index.add(id);
    }
    if (added.length === 0) return added;
    for (const dropped of this.ids.splice(0, Math.max(0, this.ids.length - this.limit))) {
      this.index.delete(dropped);
    }
    try {
      this.storage?.setItem(this.key, JSON.stringify(this.ids));
    } catch {
      // Storage full or denied (private mode): remembered for this page only.
    }
    return added;
  }
}

function readIds(storage: KeyValueStorage | undefined, key: string): string[] {
  try {
    const parsed: unknown = JSON.parse(storage?.getItem(key) ?? '[]');
    return Array.isArray(parsed) ? parsed.filter((id): id is string => typeof id === 'string') : [];
  } catch {
    return [];
  }
}
