export { type RunningRealtime, type StartOptions, startRealtime } from './app.js';
export { createAuthenticator, mayAccess } from './auth.js';
export { ClassStateStore } from './class-state.js';
export { loadRealtimeConfig, type RealtimeConfig, realtimeConfigSchema } from './config.js';
export { closeCodes, type ErrorCode, errorCatalogue, ProtocolError } from './errors.js';
export { FanOut, type FanOutSocket } from './fan-out.js';
export { NotificationStore } from './notification-store.js';
export {
  type Channel,
  type ClientMessage,
  parseChannel,
  parseClientMessage,
  type Snapshot,
  serverMessage,
} from './protocol.js';
