import type { ConsumerState } from './consumer.js';

export interface Readiness {
  ready: boolean;
  /** Each dependency's state: kafka `up` once the initial read is complete; registry `up` when it answers. */
  dependencies: { kafka: ConsumerState; registry: 'up' | 'down' };
  detail?: Record<string, string>;
}

/**
 * What /ready answers: ready when the consumer has read the topics to their end (snapshots are
 * complete) and the schema registry answers (new records, or a writer schema not seen yet, need it).
 * The registry's answer is cached for `cacheMs`, so frequent probes do not each reach it.
 */
export function createReadinessCheck(options: {
  consumerState: () => ConsumerState;
  registryUrl: string;
  timeoutMs?: number;
  cacheMs?: number;
}): () => Promise<Readiness> {
  const url = `${options.registryUrl.replace(/\/+$/, '')}/config`;
  let cached: { at: number; state: 'up' | 'down'; detail?: string } | undefined;

  const probeRegistry = async () => {
    if (cached && Date.now() - cached.at < (options.cacheMs ?? 1_000)) return cached;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(options.timeoutMs ?? 2_000) });
      await response.body?.cancel();
      cached = response.ok
        ? { at: Date.now(), state: 'up' }
        : { at: Date.now(), state: 'down', detail: `GET /config answered ${response.status}` };
    } catch (error) {
      cached = {
        at: Date.now(),
        state: 'down',
        detail: error instanceof Error ? error.message : String(error),
      };
    }
    return cached;
  };

  return async () => {
    const registry = await probeRegistry();
    const kafka = options.consumerState();
    const ready = kafka === 'up' && registry.state === 'up';
    return {
      ready,
      dependencies: { kafka, registry: registry.state },
      ...(registry.detail ? { detail: { registry: registry.detail } } : {}),
    };
  };
}
