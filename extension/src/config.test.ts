import { describe, expect, it } from 'vitest';
import { classIdFor, resolveConfig, tokenClaims } from './config.js';

const defaults = {
  ingestUrl: '',
  lmsUrl: '',
  realtimeUrl: '',
  token: '',
  classId: '',
  sendCode: true,
  sendOutputs: false,
  consent: 'ask',
};

function jwt(claims: object): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${encode({ alg: 'ES256' })}.${encode(claims)}.signature`;
}

describe('resolveConfig', () => {
  it('prefers user settings, then server presets, then overrides/defaults', () => {
    const composite = { ...defaults, ingestUrl: 'http://from-overrides', lmsUrl: 'http://lms-overrides' };
    const config = resolveConfig({ token: 'user-token' }, composite, {
      ingestUrl: 'http://from-env',
      realtimeUrl: 'wss://realtime-from-env/ws',
      token: 'env-token',
      sendOutputs: 'true',
      consent: 'granted',
    });
    expect(config).toEqual({
      ...defaults,
      ingestUrl: 'http://from-env',
      lmsUrl: 'http://lms-overrides',
      realtimeUrl: 'wss://realtime-from-env/ws',
      token: 'user-token',
      sendOutputs: true,
      consent: 'granted',
    });
  });

  it('ignores empty presets and unknown consent values', () => {
    const config = resolveConfig({}, { ...defaults, consent: 'maybe' }, { ingestUrl: '' });
    expect(config.ingestUrl).toBe('');
    expect(config.consent).toBe('ask');
  });
});

describe('tokens', () => {
  it('reads the claims of a JWT and the class of a one-class token', () => {
    const claims = tokenClaims(jwt({ sub: 'ana', classes: ['7'], kind: 'ingest' }));
    expect(claims).toMatchObject({ sub: 'ana', classes: ['7'], kind: 'ingest' });
    expect(classIdFor(resolveConfig({}, defaults, {}), claims)).toBe('7');
    expect(classIdFor(resolveConfig({ classId: '9' }, defaults, {}), claims)).toBe('9');
    expect(classIdFor(resolveConfig({}, defaults, {}), { classes: ['1', '2'] })).toBeUndefined();
  });

  it('returns undefined for what is not a JWT', () => {
    expect(tokenClaims('opaque')).toBeUndefined();
    expect(tokenClaims('a.!!!.c')).toBeUndefined();
  });
});
