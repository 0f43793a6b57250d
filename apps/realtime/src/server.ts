import uWS from 'uWebSockets.js';
import type { Logger, RevocationCheck } from '@cellstream/shared';
import type { Registry } from 'prom-client';
import type { Authenticate } from './auth.js';
import type { RealtimeConfig } from './config.js';
import { Connection } from './connection.js';
import { closeCodes } from './errors.js';
import type { FanOut } from './fan-out.js';
import { registerOpsRoutes } from './http-routes.js';
import type { RealtimeMetrics } from './metrics.js';
import type { Readiness } from './readiness.js';

export interface ServerDeps {
  config: Pick<
    RealtimeConfig,
    | 'AUTH_TIMEOUT_MS'
    | 'IDLE_TIMEOUT_SECONDS'
    | 'MAX_CLIENT_MESSAGE_BYTES'
    | 'MAX_SUBSCRIPTIONS'
    | 'MAX_BACKPRESSURE_BYTES'
  >;
  authenticate: Authenticate;
  fanOut: FanOut;
  whenCaughtUp: () => Promise<void>;
  readiness: () => Promise<Readiness>;
  registry: Registry;
  metrics: Pick<RealtimeMetrics, 'connectionOpened' | 'connectionClosed' | 'authFailed'>;
  version: string;
  logger: Logger;
}

export interface RealtimeServer {
  /** Listens on host:port (0 for any free port); resolves with the port. */
  listen(host: string, port: number): Promise<number>;
  /** Sends to every socket subscribed to the topic (uWS pub/sub). */
  publish(topic: string, message: string): void;
  /** Open connections, authenticated or not. */
  connections(): number;
  /** Closes the connections whose token the list names as revoked. */
  checkRevoked(revocations: RevocationCheck): void;
  /** Stops accepting, answers /ready with 503 and closes every connection with 1001. */
  close(): void;
}

interface SocketData {
  connection: Connection;
}

/** The uWS app: `/ws` speaking the protocol of protocol.ts, and the operations routes. */
export function createServer(deps: ServerDeps): RealtimeServer {
  const { config, logger } = deps;
  const app = uWS.App();
  const open = new Set<Connection>();
  let listenSocket: uWS.us_listen_socket | undefined;
  let closing = false;

  app.ws<SocketData>('/ws', {
    compression: uWS.DISABLED,
    maxPayloadLength: config.MAX_CLIENT_MESSAGE_BYTES,
    idleTimeout: config.IDLE_TIMEOUT_SECONDS,
    sendPingsAutomatically: true,
    maxBackpressure: config.MAX_BACKPRESSURE_BYTES,
    upgrade: (res, req, context) => {
      if (closing) {
        res.cork(() => res.writeStatus('503 Service Unavailable').end('shutting down'));
        return;
      }
      const connection = new Connection({
        authenticate: deps.authenticate,
        fanOut: deps.fanOut,
        whenCaughtUp: deps.whenCaughtUp,
        authTimeoutMs: config.AUTH_TIMEOUT_MS,
        maxSubscriptions: config.MAX_SUBSCRIPTIONS,
        logger,
        onAuthFailure: deps.metrics.authFailed,
      });
      res.upgrade<SocketData>(
        { connection },
        req.getHeader('sec-websocket-key'),
        req.getHeader('sec-websocket-protocol'),
        req.getHeader('sec-websocket-extensions'),
        context,
      );
    },
    open: (ws) => {
      const { connection } = ws.getUserData();
      open.add(connection);
      deps.metrics.connectionOpened();
      connection.opened(ws);
    },
    message: (ws, message, isBinary) => {
      ws.getUserData().connection.received(isBinary ? null : Buffer.from(message).toString('utf8'));
    },
    drain: (ws) => {
      ws.getUserData().connection.drained();
    },
    close: (ws, code) => {
      const { connection } = ws.getUserData();
      open.delete(connection);
      deps.metrics.connectionClosed(code);
      connection.closed();
    },
  });

  registerOpsRoutes(app, {
    version: deps.version,
    readiness: deps.readiness,
    metrics: deps.registry,
    isClosing: () => closing,
    logger,
  });

  return {
    listen: (host, port) =>
      new Promise((resolve, reject) => {
        app.listen(host, port, (socket) => {
          if (!socket) {
            reject(new Error(`realtime could not listen on ${host}:${port} (is the port taken?)`));
            return;
          }
          listenSocket = socket;
          resolve(uWS.us_socket_local_port(socket as unknown as uWS.us_socket));
        });
      }),
    publish: (topic, message) => {
      app.publish(topic, message);
    },
    connections: () => open.size,
    checkRevoked: (revocations) => {
      for (const connection of [...open]) connection.checkRevoked(revocations);
    },
    close: () => {
      closing = true;
      if (listenSocket) uWS.us_listen_socket_close(listenSocket);
      listenSocket = undefined;
      const { code, reason } = closeCodes.GOING_AWAY;
      // end() calls the close handler at once, which removes the connection from `open`.
      for (const connection of [...open]) connection.end(code, reason);
    },
  };
}
