/**
 * Where the extension's settings come from, most specific first:
 *   1. what the user set in JupyterLab's settings editor;
 *   2. the Jupyter server's environment (`CELLSTREAM_*`, served by this package's server
 *      extension at `<base>/cellstream/config`): how a JupyterHub spawner presets each student;
 *   3. `overrides.json` (an admin's defaults for everyone), then the schema's defaults, which
 *      JupyterLab has already merged into the composite settings.
 */
export type Consent = 'ask' | 'granted' | 'declined';

export interface CellstreamConfig {
  ingestUrl: string;
  lmsUrl: string;
  /** realtime's WebSocket, for the student's live notifications; '' turns them off. */
  realtimeUrl: string;
  token: string;
  classId: string;
  sendCode: boolean;
  sendOutputs: boolean;
  consent: Consent;
}

export type ServerPresets = Partial<Record<keyof CellstreamConfig, string>>;

export function resolveConfig(
  user: Record<string, unknown>,
  composite: Record<string, unknown>,
  server: ServerPresets,
): CellstreamConfig {
  const pick = (key: keyof CellstreamConfig): unknown => {
    if (user[key] !== undefined) return user[key];
    const preset = server[key];
    if (preset !== undefined && preset !== '') return preset;
    return composite[key];
  };
  const text = (key: keyof CellstreamConfig) => {
    const value = pick(key);
    return typeof value === 'string' ? value.trim() : '';
  };
  const flag = (key: keyof CellstreamConfig, fallback: boolean) => {
    const value = pick(key);
    if (typeof value === 'boolean') return value;
    if (typeof value === 'string') return ['1', 'true', 'yes'].includes(value.toLowerCase());
    return fallback;
  };
  const consent = text('consent');
  return {
    ingestUrl: text('ingestUrl'),
    lmsUrl: text('lmsUrl'),
    realtimeUrl: text('realtimeUrl'),
    token: text('token'),
    classId: text('classId'),
    sendCode: flag('sendCode', true),
    sendOutputs: flag('sendOutputs', false),
    consent: consent === 'granted' || consent === 'declined' ? consent : 'ask',
  };
}

/** What the extension reads from a token: its claims, unverified (ingest and lms-api verify them). */
export interface TokenClaims {
  sub?: string;
  role?: string;
  classes?: string[];
  kind?: string;
  exp?: number;
}

export function tokenClaims(token: string): TokenClaims | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4);
    const json = new TextDecoder().decode(Uint8Array.from(atob(padded), (c) => c.charCodeAt(0)));
    const claims = JSON.parse(json) as TokenClaims;
    return typeof claims === 'object' && claims !== null ? claims : undefined;
  } catch {
    return undefined;
  }
}

/** The class events are attributed to: the configured one, else the token's only class. */
export function classIdFor(config: CellstreamConfig, claims: TokenClaims | undefined): string | undefined {
  if (config.classId) return config.classId;
  return claims?.classes?.length === 1 ? claims.classes[0] : undefined;
}
