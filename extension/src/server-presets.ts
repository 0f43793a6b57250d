import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';
import type { ServerPresets } from './config.js';

/**
 * The presets of the Jupyter server's environment (`CELLSTREAM_*`), served by this package's
 * server extension; none when it is not enabled (a plain `jupyter labextension` install).
 */
export async function fetchServerPresets(): Promise<ServerPresets> {
  const settings = ServerConnection.makeSettings();
  try {
    const response = await ServerConnection.makeRequest(
      URLExt.join(settings.baseUrl, 'cellstream', 'config'),
      {},
      settings,
    );
    if (!response.ok) return {};
    const body = (await response.json()) as Record<string, unknown>;
    const presets: ServerPresets = {};
    for (const [key, value] of Object.entries(body)) {
      if (typeof value === 'string') presets[key as keyof ServerPresets] = value;
    }
    return presets;
  } catch {
    return {};
  }
}
