import { once } from 'node:events';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { pidListeningOn } from '../../src/ops/ports.js';

describe('pidListeningOn', () => {
  it.runIf(process.platform === 'linux')(
    'finds the process listening on a port, and nothing on a closed one',
    async () => {
      const server = createServer();
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const port = (server.address() as { port: number }).port;
      try {
        expect(pidListeningOn(port)).toBe(process.pid);
      } finally {
        server.close();
        await once(server, 'close');
      }
      expect(pidListeningOn(port)).toBeUndefined();
    },
  );
});
