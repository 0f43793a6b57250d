/**
 * One process of benchmark clients (forked by bench.ts): opens its share of the WebSocket clients,
 * each authenticating and subscribing to one class, and records for every update it receives the
 * delay from the update's `updatedAt` (set to the Kafka record's timestamp by the producer, or to
 * the publish time by the baseline server) to its arrival. Commands come over the IPC channel.
 */
import WebSocket from 'ws';

type Command =
  | { cmd: 'connect'; url: string; token: string; classIds: string[] }
  | { cmd: 'start' }
  | { cmd: 'stop' }
  | { cmd: 'disconnect' };

const sockets: WebSocket[] = [];
let measuring = false;
let delays: number[] = [];
let received = 0;
let closedUnexpectedly = 0;
let closing = false;

const reply = (message: unknown) => process.send?.(message);

function open(url: string, token: string, classId: string): Promise<boolean> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    let subscribed = false;
    const timer = setTimeout(() => {
      ws.terminate();
      resolve(false);
    }, 30_000);
    ws.on('open', () => {
      ws.send(JSON.stringify({ type: 'auth', token }));
      ws.send(JSON.stringify({ type: 'subscribe', classId }));
    });
    ws.on('message', (data: Buffer) => {
      const now = Date.now();
      if (!subscribed) {
        const message = JSON.parse(data.toString()) as { type: string };
        if (message.type === 'snapshot') {
          subscribed = true;
          clearTimeout(timer);
          resolve(true);
        } else if (message.type === 'error') {
          clearTimeout(timer);
          resolve(false);
        }
        return;
      }
      if (!measuring) return;
      // Every update carries updatedAt; reading it without a full parse keeps the clients cheap.
      const text = data.toString();
      const at = text.indexOf('"updatedAt":');
      if (at < 0) return;
      received++;
      delays.push(now - Number.parseInt(text.slice(at + 12, at + 12 + 16), 10));
    });
    ws.on('close', () => {
      clearTimeout(timer);
      if (!closing) closedUnexpectedly++;
      resolve(subscribed);
    });
    ws.on('error', () => undefined);
    sockets.push(ws);
  });
}

async function connectAll(url: string, token: string, classIds: string[]) {
  let ok = 0;
  const concurrency = 50;
  for (let start = 0; start < classIds.length; start += concurrency) {
    const results = await Promise.all(
      classIds.slice(start, start + concurrency).map((id) => open(url, token, id)),
    );
    ok += results.filter(Boolean).length;
  }
  return ok;
}

process.on('message', (command: Command) => {
  switch (command.cmd) {
    case 'connect':
      closing = false;
      closedUnexpectedly = 0;
      void connectAll(command.url, command.token, command.classIds).then((ok) =>
        reply({ cmd: 'connected', ok, failed: command.classIds.length - ok }),
      );
      return;
    case 'start':
      delays = [];
      received = 0;
      measuring = true;
      return;
    case 'stop':
      measuring = false;
      reply({ cmd: 'stats', delays, received, closedUnexpectedly });
      return;
    case 'disconnect':
      closing = true;
      for (const ws of sockets.splice(0)) ws.terminate();
      reply({ cmd: 'disconnected' });
      return;
  }
});

reply({ cmd: 'hello' });
