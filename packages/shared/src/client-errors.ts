import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

/** The codes an app answers with for requests Node's HTTP parser refused before any route saw them. */
export interface ClientErrorCodes {
  /** 431: the request's headers exceed the server's limit (Node's `maxHeaderSize`, 16 KiB). */
  headersTooLarge: string;
  /** 408: the request did not arrive within the server's `requestTimeout`. */
  timeout: string;
  /** 400: anything else the parser refused (a malformed request line, header or chunk). */
  malformed: string;
}

/** How long a refused connection may stay half-closed for the client to read the answer. */
const CLOSE_GRACE_MS = 2_000;

/**
 * A Fastify `clientErrorHandler` that answers in the app's `{code, message}` form **with
 * `Connection: close`**, then ends the connection. Fastify's default answers without that
 * header and destroys the socket at once: a keep-alive client (Node's Agent with a finite
 * `maxSockets` keeps sockets alive) takes the socket back for its next request and gets a
 * reset with no answer. With the header, clients know not to reuse it.
 */
export function createClientErrorHandler(
  codes: ClientErrorCodes,
): (error: Error & { code?: string }, socket: Duplex) => void {
  return (error, socket) => {
    // A reset client or a gone socket: nobody to answer.
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const [status, code, message] =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? [
            431,
            codes.headersTooLarge,
            'The request headers are too large (16 KiB at most); send fewer or shorter ones.',
          ]
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [408, codes.timeout, 'The request did not arrive in time; send it again.']
          : [400, codes.malformed, 'The request is not valid HTTP/1.1; nothing of it was read.'];
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const body = JSON.stringify({ code, message });
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
    // Whatever the client still sends is not read; do not wait on it for long.
    setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
  };
}
