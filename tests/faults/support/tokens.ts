import { generateKeyPair, SignJWT } from 'jose';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const parts = (token: string) => token.split('.') as [string, string, string];
const decode = (part: string) =>
  JSON.parse(Buffer.from(part, 'base64url').toString()) as Record<string, unknown>;

export const tokenClaims = (token: string) => decode(parts(token)[1]);
export const tokenHeader = (token: string) => decode(parts(token)[0]);

/** The same token with its claims changed (role, subject, classes) and the original signature kept. */
export function tampered(token: string, changes: Record<string, unknown>): string {
  const [header, payload, signature] = parts(token);
  return `${header}.${b64({ ...decode(payload), ...changes })}.${signature}`;
}

/** The same claims and key id, signed by a key lms-api never had. */
export async function wronglySigned(token: string): Promise<string> {
  const header = tokenHeader(token);
  const alg = String(header.alg);
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  return new SignJWT(tokenClaims(token))
    .setProtectedHeader({ ...header, alg } as { alg: string })
    .sign(privateKey);
}

/** `alg: none`: the claims with no signature at all. */
export function unsigned(token: string): string {
  const header = tokenHeader(token);
  return `${b64({ ...header, alg: 'none' })}.${parts(token)[1]}.`;
}
