import type { Role } from './types';

/** The logged-in instructor: kept in sessionStorage, so it ends with the browser tab. */
export interface Session {
  token: string;
  role: Role;
  username: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
}

const KEY = 'cellstream.dashboard.session';

export function loadSession(storage: Storage = sessionStorage, now = Date.now()): Session | null {
  try {
    const raw = storage.getItem(KEY);
    if (!raw) return null;
    const session = JSON.parse(raw) as Partial<Session>;
    if (
      typeof session.token !== 'string' ||
      typeof session.role !== 'string' ||
      typeof session.username !== 'string' ||
      typeof session.expiresAt !== 'number' ||
      session.expiresAt <= now
    ) {
      storage.removeItem(KEY);
      return null;
    }
    return session as Session;
  } catch {
    return null;
  }
}

export function saveSession(session: Session, storage: Storage = sessionStorage): void {
  storage.setItem(KEY, JSON.stringify(session));
}

export function clearSession(storage: Storage = sessionStorage): void {
  storage.removeItem(KEY);
}
