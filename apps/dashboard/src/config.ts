/**
 * Where realtime is. The page asks for `/dashboard-config.json` (a file an operator may put in
 * the dashboard's folder, served by lms-api like the rest of the build); without one, realtime
 * is on the page's host at port 8002 (the local stack). Example file:
 *
 *   { "realtimeUrl": "wss://school.example/realtime/ws" }
 */
export interface DashboardConfig {
  realtimeUrl: string;
}

export const REALTIME_PORT = 8002;

export function defaultConfig(location: Pick<Location, 'protocol' | 'hostname'>): DashboardConfig {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const host = location.hostname.includes(':') ? `[${location.hostname}]` : location.hostname;
  return { realtimeUrl: `${scheme}://${host}:${REALTIME_PORT}/ws` };
}

/** Reads the optional config file; any problem (absent, not JSON, wrong fields) means the defaults. */
export async function loadConfig(
  location: Pick<Location, 'protocol' | 'hostname' | 'href'> = window.location,
  fetchImpl: typeof fetch = (input, init) => fetch(input, init),
): Promise<DashboardConfig> {
  const fallback = defaultConfig(location);
  try {
    const response = await fetchImpl('/dashboard-config.json', {
      headers: { accept: 'application/json' },
      cache: 'no-store',
    });
    if (!response.ok) return fallback;
    const body = (await response.json()) as { realtimeUrl?: unknown };
    if (typeof body.realtimeUrl !== 'string') return fallback;
    // Relative URLs ("/ws" behind a proxy) resolve against the page, with ws(s) for http(s).
    const url = new URL(body.realtimeUrl, location.href);
    if (url.protocol === 'http:') url.protocol = 'ws:';
    if (url.protocol === 'https:') url.protocol = 'wss:';
    if (url.protocol !== 'ws:' && url.protocol !== 'wss:') return fallback;
    return { realtimeUrl: url.toString() };
  } catch {
    return fallback;
  }
}
