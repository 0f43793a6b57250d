import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { JWK } from 'jose';
import { LmsError } from '../errors.js';

/**
 * Private signing keys at rest: with `SIGNING_KEY_SECRET` set, `signing_keys.private_jwk` holds
 * the JWK sealed with AES-256-GCM (a key derived from the secret by HKDF-SHA256), so a copy of
 * the database (a backup, a replica, a dump shared for debugging) cannot mint tokens. The kid is
 * the additional authenticated data: a sealed key moved to another row does not open.
 */
export interface SealedJwk {
  sealed: { v: 1; alg: 'A256GCM'; iv: string; tag: string; data: string };
}

const HKDF_INFO = 'cellstream lms-api signing_keys v1';

export function isSealed(value: unknown): value is SealedJwk {
  return typeof value === 'object' && value !== null && 'sealed' in value;
}

export class KeySealer {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), HKDF_INFO, 32));
  }

  seal(kid: string, jwk: JWK): SealedJwk {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv).setAAD(Buffer.from(kid));
    const data = Buffer.concat([cipher.update(JSON.stringify(jwk), 'utf8'), cipher.final()]);
    return {
      sealed: {
        v: 1,
        alg: 'A256GCM',
        iv: iv.toString('base64url'),
        tag: cipher.getAuthTag().toString('base64url'),
        data: data.toString('base64url'),
      },
    };
  }

  open(kid: string, value: SealedJwk): JWK {
    const { iv, tag, data } = value.sealed;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'))
        .setAAD(Buffer.from(kid))
        .setAuthTag(Buffer.from(tag, 'base64url'));
      const text = Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]);
      return JSON.parse(text.toString('utf8')) as JWK;
    } catch (cause) {
      throw unreadable(kid, 'SIGNING_KEY_SECRET is not the secret it was sealed with', cause);
    }
  }
}

/** The private JWK of a row, opened when sealed; refuses a sealed key without a secret. */
export function privateJwkOf(kid: string, stored: unknown, sealer: KeySealer | undefined): JWK {
  if (!isSealed(stored)) return stored as JWK;
  if (!sealer) throw unreadable(kid, 'it is sealed and SIGNING_KEY_SECRET is not set');
  return sealer.open(kid, stored);
}

function unreadable(kid: string, why: string, cause?: unknown): LmsError {
  return new LmsError(
    'LMS_SIGNING_KEY_UNREADABLE',
    `Signing key ${kid} cannot be read: ${why}. Start lms-api with the SIGNING_KEY_SECRET the keys were sealed with.`,
    { cause, context: { kid } },
  );
}
