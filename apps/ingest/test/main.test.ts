import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { eventually, testKafka, uniqueName } from '@cellstream/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fullEvent } from './support/events.js';
import { type LmsStub, startLmsStub } from './support/lms-stub.js';

// The process itself (src/main.ts, as `node dist/main.js` runs it): starts against the real
// stack, and on SIGTERM answers the batches in flight before it exits.
const appDir = fileURLToPath(new URL('..', import.meta.url));

let lms: LmsStub;
let child: ChildProcess | undefined;

beforeAll(async () => {
  lms = await startLmsStub();
});

afterAll(async () => {
  child?.kill('SIGKILL');
  await lms.close();
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

describe('the ingest process', () => {
  it('starts, accepts batches, and on SIGTERM finishes those in flight and exits 0', async () => {
    const port = await freePort();
    const topic = `${uniqueName('ingest-main')}.learning.events.v1`;
    const output: string[] = [];
    child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', 'src/main.ts'], {
      cwd: appDir,
      env: {
        ...process.env,
        INGEST_PORT: String(port),
        EVENTS_TOPIC: topic,
        LMS_URL: lms.url,
        TOPIC_PARTITIONS: '3',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child?.once('exit', (code) => resolve(code)));
    await eventually(async () => (output.join('').includes('ingest listening') ? true : undefined), {
      timeoutMs: 30_000,
      what: `ingest listening (output: ${output.join('')})`,
    });

    const ready = await fetch(`http://127.0.0.1:${port}/ready`);
    expect(ready.status).toBe(200);

    const token = await lms.sign({ sub: 'alice', classes: ['42'] });
    const send = async () => {
      try {
        const response = await fetch(`http://127.0.0.1:${port}/api/v1/events`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'content-encoding': 'gzip',
            authorization: `Bearer ${token}`,
          },
          body: gzipSync(JSON.stringify(Array.from({ length: 100 }, () => fullEvent()))),
        });
        return response.status;
      } catch {
        return 'connection refused';
      }
    };
    expect(await send()).toBe(202);
    const burst = Array.from({ length: 30 }, () => send());
    await new Promise((resolve) => setTimeout(resolve, 15));
    child.kill('SIGTERM');
    const statuses = await Promise.all(burst);
    expect(await exited).toBe(0);
    expect(output.join('')).toContain('producer disconnected');

    // Every batch answered 202 is in the topic, and nothing else is.
    for (const status of statuses) expect([202, 503, 'connection refused']).toContain(status);
    const accepted = 100 * (1 + statuses.filter((status) => status === 202).length);
    const admin = testKafka().admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(topic);
    await admin.disconnect();
    expect(offsets.reduce((sum, partition) => sum + Number(partition.high), 0)).toBe(accepted);
  });
});
