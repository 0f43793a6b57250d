import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** Each dependency's state as `/ready` reports it, e.g. `{ kafka: 'up', postgres: 'down' }`. */
export type DependencyStates = Record<string, 'up' | 'down' | string>;

export interface OpsServerOptions {
  port: number;
  host?: string;
  version: string;
  metrics: Registry;
  /** Ready when every dependency is `up`. */
  dependencies: () => Promise<DependencyStates> | DependencyStates;
}

export interface OpsServer {
  port: number;
  close(): Promise<void>;
}

/**
 * `/health`, `/ready` and `/metrics` for the apps that have no HTTP API of their own (persister,
 * aggregator): the same answers every Cellstream service gives, on a small port of their own.
 */
export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const server: Server = createServer(async (request, response) => {
    const send = (status: number, body: string, type = 'application/json') => {
      response.writeHead(status, { 'content-type': type });
      response.end(body);
    };
    try {
      switch (request.url?.split('?')[0]) {
        case '/health':
          return send(200, JSON.stringify({ status: 'ok', version: options.version }));
        case '/ready': {
          const dependencies = await options.dependencies();
          const ready = Object.values(dependencies).every((state) => state === 'up');
          return send(
            ready ? 200 : 503,
            JSON.stringify({ status: ready ? 'ready' : 'not_ready', dependencies }),
          );
        }
        case '/metrics':
          return send(200, await options.metrics.metrics(), options.metrics.contentType);
        default:
          return send(
            404,
            JSON.stringify({ code: 'NOT_FOUND', message: 'Try /health, /ready or /metrics.' }),
          );
      }
    } catch (error) {
      return send(500, JSON.stringify({ code: 'INTERNAL', message: (error as Error).message }));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
