import type { HttpResponse, TemplatedApp } from 'uWebSockets.js';
import type { Logger } from '@cellstream/shared';
import type { Registry } from 'prom-client';
import type { Readiness } from './readiness.js';

export interface OpsRoutesDeps {
  version: string;
  readiness: () => Promise<Readiness>;
  metrics: Registry;
  /** True once shutdown began: /ready answers 503 so load balancers move clients elsewhere. */
  isClosing: () => boolean;
  logger: Logger;
}

/**
 * `/health`, `/ready` and `/metrics` on the same uWS app as `/ws` (CONTRACT.md: every service
 * answers them). uWS responses must be written in one corked block and never after the client
 * went away, hence `answer`.
 */
export function registerOpsRoutes(app: TemplatedApp, deps: OpsRoutesDeps): void {
  app.get('/health', (res) => {
    send(res, 200, JSON.stringify({ status: 'ok', version: deps.version }));
  });

  app.get('/ready', (res) => {
    answer(res, deps.logger, async () => {
      if (deps.isClosing()) {
        return { status: 503, body: JSON.stringify({ status: 'shutting_down', dependencies: {} }) };
      }
      const readiness = await deps.readiness();
      return {
        status: readiness.ready ? 200 : 503,
        body: JSON.stringify({ status: readiness.ready ? 'ready' : 'not_ready', ...readiness }),
      };
    });
  });

  app.get('/metrics', (res) => {
    answer(res, deps.logger, async () => ({
      status: 200,
      body: await deps.metrics.metrics(),
      contentType: deps.metrics.contentType,
    }));
  });

  app.any('/*', (res) => {
    send(
      res,
      404,
      JSON.stringify({ code: 'NOT_FOUND', message: 'Try /ws (WebSocket), /health, /ready or /metrics.' }),
    );
  });
}

interface Answer {
  status: number;
  body: string;
  contentType?: string;
}

const statusLine: Record<number, string> = {
  200: '200 OK',
  404: '404 Not Found',
  500: '500 Internal Server Error',
  503: '503 Service Unavailable',
};

function send(res: HttpResponse, status: number, body: string, contentType = 'application/json'): void {
  res.cork(() => {
    res
      .writeStatus(statusLine[status] ?? String(status))
      .writeHeader('content-type', contentType)
      .end(body);
  });
}

function answer(res: HttpResponse, logger: Logger, produce: () => Promise<Answer>): void {
  let aborted = false;
  res.onAborted(() => {
    aborted = true;
  });
  produce().then(
    ({ status, body, contentType }) => {
      if (!aborted) send(res, status, body, contentType);
    },
    (error: unknown) => {
      logger.error({ err: error }, 'an operations route failed');
      if (!aborted) send(res, 500, JSON.stringify({ code: 'INTERNAL', message: 'The request failed.' }));
    },
  );
}
