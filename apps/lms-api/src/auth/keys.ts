import { type Database, signingKeys } from '@cellstream/db';
import { and, desc, eq, gt, isNull, ne, or, sql } from 'drizzle-orm';
import { type CryptoKey, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { isSealed, KeySealer, privateJwkOf } from './key-encryption.js';

/**
 * The keys lms-api signs tokens with, kept in `signing_keys` so every instance signs with the
 * same key and publishes the same set. Exactly one key is active (retired_at null); rotating
 * retires it and creates a new one. A retired key stays in the JWKS until every token it signed
 * has expired (`retainRetiredMs`, the longest token lifetime), so rotation never logs anyone out.
 */
export const SIGNING_ALGORITHM = 'ES256';

/** Serialises key creation across instances (any fixed number, unique within Cellstream). */
const KEY_LOCK_ID = 727_245_002;

export interface SigningKeyHandle {
  kid: string;
  key: CryptoKey;
}

export interface KeyStoreOptions {
  /** How long a retired key stays published, in ms: the longest lifetime of a token. */
  retainRetiredMs: number;
  /** How long this instance trusts its cached keys before reading them again, in ms. */
  refreshMs?: number;
  /** SIGNING_KEY_SECRET: seal private keys at rest (key-encryption.ts). Empty or absent: plain JWKs. */
  secret?: string;
}

interface Snapshot {
  loadedAt: number;
  active: SigningKeyHandle;
  published: JWK[];
}

export class KeyStore {
  private snapshot: Promise<Snapshot> | undefined;
  private readonly refreshMs: number;
  private readonly sealer: KeySealer | undefined;

  constructor(
    private readonly db: Database,
    private readonly options: KeyStoreOptions,
  ) {
    this.refreshMs = options.refreshMs ?? 60_000;
    this.sealer = options.secret ? new KeySealer(options.secret) : undefined;
  }

  /**
   * Creates the first key if there is none, and with a secret seals the keys still stored
   * plain (those of a deployment that set SIGNING_KEY_SECRET after it started); safe when
   * several instances start together. Refuses to start when a key cannot be opened.
   */
  async ensureKey(): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.execute(sql`SELECT pg_advisory_xact_lock(${KEY_LOCK_ID})`);
      const rows = await tx.select().from(signingKeys);
      for (const row of rows) {
        const jwk = privateJwkOf(row.kid, row.privateJwk, this.sealer);
        if (this.sealer && !isSealed(row.privateJwk)) {
          await tx
            .update(signingKeys)
            .set({ privateJwk: this.sealer.seal(row.kid, jwk) })
            .where(eq(signingKeys.kid, row.kid));
        }
      }
      if (!rows.some((row) => row.retiredAt === null))
        await tx.insert(signingKeys).values(await this.newKeyRow());
    });
    this.snapshot = undefined;
  }

  /** Makes a new active key; the old one stays published until its tokens expire. */
  async rotate(): Promise<{ kid: string; retired: string[] }> {
    const result = await this.db.transaction(async (tx) => {
      await tx.execute(sql`SELECT pg_advisory_xact_lock(${KEY_LOCK_ID})`);
      const row = await this.newKeyRow();
      await tx.insert(signingKeys).values(row);
      const retired = await tx
        .update(signingKeys)
        .set({ retiredAt: new Date() })
        .where(and(isNull(signingKeys.retiredAt), ne(signingKeys.kid, row.kid)))
        .returning({ kid: signingKeys.kid });
      return { kid: row.kid, retired: retired.map((key) => key.kid) };
    });
    this.snapshot = undefined;
    return result;
  }

  /** A new key pair as a row, its private half sealed when there is a secret. */
  private async newKeyRow() {
    const pair = await newKeyPair();
    return this.sealer ? { ...pair, privateJwk: this.sealer.seal(pair.kid, pair.privateJwk) } : pair;
  }

  async signingKey(): Promise<SigningKeyHandle> {
    return (await this.load()).active;
  }

  /** The public keys to publish at `/.well-known/jwks.json`. */
  async jwks(): Promise<{ keys: JWK[] }> {
    return { keys: (await this.load()).published };
  }

  /** Reads the keys again when the cache is older than `minAgeMs` (a token named an unknown kid). */
  async refresh(minAgeMs = 1_000): Promise<void> {
    const current = await this.snapshot?.catch(() => undefined);
    if (!current || Date.now() - current.loadedAt >= minAgeMs) this.snapshot = undefined;
  }

  private load(): Promise<Snapshot> {
    const cached = this.snapshot;
    if (cached) {
      return cached.then((snapshot) =>
        Date.now() - snapshot.loadedAt < this.refreshMs ? snapshot : this.reload(),
      );
    }
    return this.reload();
  }

  private reload(): Promise<Snapshot> {
    const loading = this.read();
    this.snapshot = loading;
    loading.catch(() => {
      if (this.snapshot === loading) this.snapshot = undefined;
    });
    return loading;
  }

  private async read(): Promise<Snapshot> {
    const retainedSince = new Date(Date.now() - this.options.retainRetiredMs - this.refreshMs);
    const rows = await this.db
      .select()
      .from(signingKeys)
      .where(or(isNull(signingKeys.retiredAt), gt(signingKeys.retiredAt, retainedSince)))
      .orderBy(desc(signingKeys.createdAt));
    const activeRow = rows.find((row) => row.retiredAt === null);
    if (!activeRow) throw new Error('No active signing key: ensureKey() must run at start.');
    const key = await importJWK(
      privateJwkOf(activeRow.kid, activeRow.privateJwk, this.sealer),
      activeRow.algorithm,
    );
    if (key instanceof Uint8Array) throw new Error(`Signing key ${activeRow.kid} is not an asymmetric key.`);
    return {
      loadedAt: Date.now(),
      active: { kid: activeRow.kid, key },
      published: rows.map((row) => row.publicJwk as JWK),
    };
  }
}

async function newKeyPair() {
  const { publicKey, privateKey } = await generateKeyPair(SIGNING_ALGORITHM, { extractable: true });
  const kid = crypto.randomUUID();
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: SIGNING_ALGORITHM, use: 'sig' };
  const privateJwk: JWK = { ...(await exportJWK(privateKey)), kid, alg: SIGNING_ALGORITHM };
  return { kid, algorithm: SIGNING_ALGORITHM, publicJwk, privateJwk };
}
