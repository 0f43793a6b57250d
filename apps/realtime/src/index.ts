export { type RunningRealtime, type StartOptions, startRealtime } from './app.js';
export { createAuthenticator, mayView } from './auth.js';
export { ClassStateStore } from './class-state.js';
export { jwksUrl, loadRealtimeConfig, type RealtimeConfig, realtimeConfigSchema } from './config.js';
export { closeCodes, type ErrorCode, errorCatalogue, ProtocolError } from './errors.js';
export { FanOut, type FanOutSocket } from './fan-out.js';
export { type ClientMessage, parseClientMessage, type Snapshot, serverMessage } from './protocol.js';
