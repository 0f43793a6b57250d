import { createLogger, RevocationList } from '@cellstream/shared';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type LmsStub, startLmsStub } from './support/lms-stub.js';

let lms: LmsStub;

beforeAll(async () => {
  lms = await startLmsStub();
});

afterAll(async () => {
  await lms.close();
});

describe('RevocationList', () => {
  it('refuses a revoked jti until its exp, and keeps the last list when lms-api has no endpoint', async () => {
    const logger = createLogger('revocations-test', 'silent');
    const warn = vi.fn();
    vi.spyOn(logger, 'child').mockReturnValue(Object.assign(Object.create(logger), { warn }));
    let now = Date.now();
    const list = new RevocationList({
      url: `${lms.url}/.well-known/revoked-tokens`,
      intervalMs: 60_000,
      logger,
      clock: () => now,
    });
    const exp = Math.floor(now / 1000) + 60;
    lms.revoke('revoked-1', exp);
    lms.revoke('long-expired', Math.floor(now / 1000) - 60);
    await list.start();
    expect(list.isRevoked('revoked-1')).toBe(true);
    expect(list.isRevoked('long-expired')).toBe(false);
    expect(list.isRevoked('other')).toBe(false);

    lms.serveRevocations = false;
    expect(await list.poll()).toBe(false);
    expect(await list.poll()).toBe(false);
    expect(list.isRevoked('revoked-1')).toBe(true); // kept
    expect(warn).toHaveBeenCalledTimes(1); // once, not per poll

    now = (exp + 1) * 1000;
    expect(list.isRevoked('revoked-1')).toBe(false);
    list.stop();
  });

  it('tolerates an unreachable lms-api', async () => {
    const list = new RevocationList({
      url: 'http://127.0.0.1:1/.well-known/revoked-tokens',
      intervalMs: 60_000,
      logger: createLogger('revocations-test', 'silent'),
    });
    await expect(list.start()).resolves.toBeUndefined();
    expect(list.isRevoked('x')).toBe(false);
    list.stop();
  });
});
