import { randomUUID } from 'node:crypto';
import { TOKEN_AUDIENCE, TOKEN_ISSUER, type TokenClaims, TokenError } from '@cellstream/shared';
import { createLocalJWKSet, type JWTPayload, errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { type KeyStore, SIGNING_ALGORITHM } from './keys.js';

/**
 * Signs and verifies the tokens of CONTRACT.md ("Identity and tokens"): `sub` the user's
 * username (a student's userId), `role`, `classes` (class ids as strings), `kind`, `jti`,
 * `exp`, issuer and audience from @cellstream/shared, so ingest and realtime accept them with
 * `createTokenVerifier` and nothing else.
 */
export interface IssuedToken {
  token: string;
  jti: string;
  expiresAt: Date;
}

export interface TokenRequest {
  sub: string;
  role: TokenClaims['role'];
  classes: string[];
  kind: TokenClaims['kind'];
  ttlSeconds: number;
}

export class TokenService {
  constructor(private readonly keys: KeyStore) {}

  async issue(request: TokenRequest): Promise<IssuedToken> {
    const { kid, key } = await this.keys.signingKey();
    const jti = randomUUID();
    const issuedAt = Math.floor(Date.now() / 1000);
    const exp = issuedAt + request.ttlSeconds;
    const token = await new SignJWT({ role: request.role, classes: request.classes, kind: request.kind })
      .setProtectedHeader({ alg: SIGNING_ALGORITHM, kid, typ: 'JWT' })
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setSubject(request.sub)
      .setJti(jti)
      .setIssuedAt(issuedAt)
      .setExpirationTime(exp)
      .sign(key);
    return { token, jti, expiresAt: new Date(exp * 1000) };
  }

  /** Verifies against the keys this service publishes; throws TokenError (401). */
  async verify(token: string): Promise<TokenClaims> {
    try {
      return toClaims(await this.verifyOnce(token));
    } catch (error) {
      if (!(error instanceof joseErrors.JWKSNoMatchingKey)) throw toTokenError(error);
      // Another instance may have rotated the key since this one last read them.
      await this.keys.refresh();
      try {
        return toClaims(await this.verifyOnce(token));
      } catch (retryError) {
        throw toTokenError(retryError);
      }
    }
  }

  private async verifyOnce(token: string): Promise<JWTPayload> {
    const keySet = createLocalJWKSet(await this.keys.jwks());
    const { payload } = await jwtVerify(token, keySet, {
      issuer: TOKEN_ISSUER,
      audience: TOKEN_AUDIENCE,
      algorithms: [SIGNING_ALGORITHM],
    });
    return payload;
  }
}

function toTokenError(error: unknown): TokenError {
  if (error instanceof TokenError) return error;
  if (error instanceof joseErrors.JWTExpired) {
    return new TokenError('AUTH_TOKEN_EXPIRED', 'The token has expired: log in again for a new one.', error);
  }
  return new TokenError('AUTH_TOKEN_INVALID', 'The token is not valid: log in again for a new one.', error);
}

function toClaims(payload: JWTPayload): TokenClaims {
  const { sub, role, classes, kind, jti, exp } = payload as JWTPayload & Record<string, unknown>;
  if (
    typeof sub !== 'string' ||
    (role !== 'admin' && role !== 'instructor' && role !== 'student') ||
    !Array.isArray(classes) ||
    (kind !== 'session' && kind !== 'ingest')
  ) {
    throw new TokenError('AUTH_TOKEN_INVALID', 'The token lacks the claims sub, role, classes and kind.');
  }
  return {
    sub,
    role,
    classes: classes.map(String),
    kind,
    jti: typeof jti === 'string' ? jti : undefined,
    exp: typeof exp === 'number' ? exp : undefined,
  };
}
