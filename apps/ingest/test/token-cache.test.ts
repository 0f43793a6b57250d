import { type TokenClaims, TokenError } from '@cellstream/shared';
import { describe, expect, it } from 'vitest';
import { cachedVerifier } from '../src/auth/token-cache.js';

describe('cachedVerifier', () => {
  it('verifies a token once per ttl, never past its exp, and does not cache failures', async () => {
    let now = 1_000_000;
    let calls = 0;
    const claims: TokenClaims = { sub: 'alice', role: 'student', classes: [], kind: 'session', exp: 1_090 };
    const verify = cachedVerifier(
      async (token) => {
        calls++;
        if (token === 'bad') throw new TokenError('AUTH_TOKEN_INVALID', 'bad');
        if (now >= 1_090_000) throw new TokenError('AUTH_TOKEN_EXPIRED', 'expired');
        return claims;
      },
      { ttlMs: 60_000, clock: () => now },
    );
    await verify('good');
    await verify('good');
    expect(calls).toBe(1);
    now += 60_000;
    await verify('good');
    expect(calls).toBe(2);
    now = 1_090_000; // the token's exp: the cached entry ends there, not at ttl
    await expect(verify('good')).rejects.toMatchObject({ code: 'AUTH_TOKEN_EXPIRED' });
    await expect(verify('bad')).rejects.toThrow();
    await expect(verify('bad')).rejects.toThrow();
    expect(calls).toBe(5);
  });

  it('keeps at most maxEntries tokens', async () => {
    let calls = 0;
    const verify = cachedVerifier(
      async (token) => {
        calls++;
        return { sub: token, role: 'student', classes: [], kind: 'session' };
      },
      { maxEntries: 2 },
    );
    await verify('a');
    await verify('b');
    await verify('c'); // evicts a
    await verify('b');
    expect(calls).toBe(3);
    await verify('a');
    expect(calls).toBe(4);
  });
});
