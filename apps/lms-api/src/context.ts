import type { Database } from '@cellstream/db';
import type { InfluxQl, Logger } from '@cellstream/shared';
import type { FastifyRequest } from 'fastify';
import type { KeyStore } from './auth/keys.js';
import type { TokenService } from './auth/tokens.js';
import type { LmsConfig } from './config.js';
import type { NotificationRelay } from './notifications/relay.js';

/** What every route plugin gets: built once by `buildApp`, passed as the plugin's options. */
export interface AppContext {
  db: Database;
  config: LmsConfig;
  logger: Logger;
  keys: KeyStore;
  tokens: TokenService;
  influx: InfluxQl;
  /** The `onRequest` hook of authenticated routes. */
  authenticate: (request: FastifyRequest) => Promise<void>;
  /** The notification relay of this process, when it runs one (reported by GET /ready). */
  relay?: Pick<NotificationRelay, 'kafkaState'>;
  version: string;
}

export interface RouteOptions {
  ctx: AppContext;
}
