import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createClientErrorHandler } from '../src/client-errors.js';

const codes = { headersTooLarge: 'X_HEADERS_TOO_LARGE', timeout: 'X_TIMEOUT', malformed: 'X_BAD_REQUEST' };

interface Answer {
  status: number | string;
  connection?: string;
  body: string;
}

/** One request through `agent`; an error before any answer is reported as its code. */
function send(port: number, agent: Agent, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve) => {
    let answered = false;
    const req = request({ host: '127.0.0.1', port, path: '/', agent, headers }, (response) => {
      answered = true;
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, connection: response.headers.connection, body }),
      );
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (!answered) resolve({ status: error.code ?? error.message, body: '' });
    });
    req.end();
  });
}

describe('createClientErrorHandler', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  async function listen(): Promise<number> {
    server = createServer((_req, res) => res.end('ok'));
    server.on('clientError', createClientErrorHandler(codes));
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  }

  it('answers oversized headers with 431, the code and Connection: close', async () => {
    const port = await listen();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const answer = await send(port, agent, { 'x-filler': 'a'.repeat(20_000) });
    agent.destroy();
    expect(answer.status).toBe(431);
    expect(answer.connection).toBe('close');
    expect(JSON.parse(answer.body)).toMatchObject({ code: 'X_HEADERS_TOO_LARGE' });
  });

  it('lets a keep-alive client go on without a reset: the refused connection is not reused', async () => {
    const port = await listen();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const answers: Answer[] = [];
    for (let round = 0; round < 50; round++) {
      // Queued together on one socket: the agent hands the second the first's socket at once,
      // unless the answer said the connection closes.
      answers.push(
        ...(await Promise.all([send(port, agent, { 'x-filler': 'a'.repeat(20_000) }), send(port, agent)])),
      );
    }
    agent.destroy();
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 431)).toHaveLength(50);
    expect(statuses.filter((status) => status === 200)).toHaveLength(50);
  });
});
