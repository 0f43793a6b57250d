import { describe, expect, it } from 'vitest';
import { clearSession, loadSession, saveSession } from './session';

function memoryStorage(): Storage {
  const items = new Map<string, string>();
  return {
    get length() {
      return items.size;
    },
    clear: () => items.clear(),
    getItem: (key) => items.get(key) ?? null,
    key: (index) => [...items.keys()][index] ?? null,
    removeItem: (key) => void items.delete(key),
    setItem: (key, value) => void items.set(key, value),
  };
}

describe('session', () => {
  const session = { token: 't', role: 'instructor' as const, username: 'demo', expiresAt: 2_000 };

  it('keeps the session until it expires', () => {
    const storage = memoryStorage();
    saveSession(session, storage);
    expect(loadSession(storage, 1_000)).toEqual(session);
    expect(loadSession(storage, 2_000)).toBeNull();
    expect(storage.length).toBe(0);
  });

  it('ignores and forgets what it cannot read', () => {
    const storage = memoryStorage();
    storage.setItem('cellstream.dashboard.session', '{"token":1}');
    expect(loadSession(storage, 0)).toBeNull();
    storage.setItem('cellstream.dashboard.session', 'not json');
    expect(loadSession(storage, 0)).toBeNull();
    saveSession(session, storage);
    clearSession(storage);
    expect(loadSession(storage, 0)).toBeNull();
  });
});
