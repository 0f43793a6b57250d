import type { TokenClaims, TokenVerifier } from '@cellstream/shared';

export interface TokenCacheOptions {
  /** How long a verified token is trusted without checking its signature again. */
  ttlMs?: number;
  maxEntries?: number;
  clock?: () => number;
}

/**
 * Remembers tokens already verified, so a client posting every few seconds costs one signature
 * check a minute instead of one per request (ES256 verification is a good share of a small
 * batch's CPU). An entry never outlives the token's `exp`, so expiry is exact; a key withdrawn
 * from lms-api's JWKS stops working within `ttlMs`. Failures are not cached. Revocation and role
 * are checked on every request by the caller, not here.
 */
export function cachedVerifier(verifier: TokenVerifier, options: TokenCacheOptions = {}): TokenVerifier {
  const ttlMs = options.ttlMs ?? 60_000;
  const maxEntries = options.maxEntries ?? 10_000;
  const clock = options.clock ?? Date.now;
  const cache = new Map<string, { claims: TokenClaims; until: number }>();

  return async (token) => {
    const now = clock();
    const hit = cache.get(token);
    if (hit && hit.until > now) return hit.claims;
    if (hit) cache.delete(token);
    const claims = await verifier(token);
    const until = Math.min(
      now + ttlMs,
      claims.exp === undefined ? Number.POSITIVE_INFINITY : claims.exp * 1000,
    );
    if (cache.size >= maxEntries) {
      // Map keeps insertion order: drop the oldest entry.
      const oldest = cache.keys().next();
      if (!oldest.done) cache.delete(oldest.value);
    }
    cache.set(token, { claims, until });
    return claims;
  };
}
