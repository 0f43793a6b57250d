import { createConnection } from 'node:net';

/** True when a TCP connection to `host:port` opens within `timeoutMs` (then closed at once). */
export function portOpen(port: number, host = '127.0.0.1', timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** True when at least one of `hostPorts` (`host:port` each, e.g. Kafka brokers) accepts a TCP connection within `timeoutMs`. */
export async function anyHostAccepts(hostPorts: readonly string[], timeoutMs = 1_000): Promise<boolean> {
  const attempts = hostPorts.map((hostPort) => {
    const at = hostPort.lastIndexOf(':');
    return portOpen(Number(hostPort.slice(at + 1)), hostPort.slice(0, at), timeoutMs);
  });
  return (await Promise.all(attempts)).some(Boolean);
}
