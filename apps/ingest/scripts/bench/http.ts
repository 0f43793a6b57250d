import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import type { LearningEventHttp } from '@cellstream/schemas';

export const CLASS_IDS = ['1', '2', '3', '4', '5', '6', '7', '8'];

/** An event of realistic size (a cell's code, an error every fifth event). */
function makeEvent(userId: string, index: number): LearningEventHttp {
  const failed = index % 5 === 0;
  return {
    eventId: randomUUID(),
    eventType: failed ? 'cell_execution_error' : 'cell_executed',
    eventTime: new Date().toISOString(),
    userId,
    classId: CLASS_IDS[index % CLASS_IDS.length] as string,
    sessionId: `session-${userId}`,
    notebookPath: `week${index % 10}/exercise-${index % 7}.ipynb`,
    cellId: randomUUID(),
    cellIndex: index % 40,
    executionCount: index,
    cellType: 'code',
    code: `import numpy as np\nvalues = np.arange(${index})\nprint(values.mean(), values.std())\n# ${'x'.repeat(index % 200)}`,
    hasError: failed,
    errorName: failed ? 'NameError' : null,
    errorMessage: failed ? `name 'valuez' is not defined` : null,
    result: failed ? null : `${index / 2} ${index / 3}`,
    executionDurationMs: 3.5 + (index % 100),
    metadata: { extensionVersion: '0.1.0', kernel: 'python3' },
  };
}

export function makeBatches(userId: string, count: number, batchSize: number): LearningEventHttp[][] {
  return Array.from({ length: count }, (_, b) =>
    Array.from({ length: batchSize }, (_, i) => makeEvent(userId, b * batchSize + i)),
  );
}

const agent = new Agent({ keepAlive: true, maxSockets: 1024 });

export function closeAgent(): void {
  agent.destroy();
}

/** POSTs one gzip batch; resolves to the events accepted, rejects on anything but a 202. */
export function postBatch(port: number, token: string, body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/api/v1/events',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-encoding': 'gzip',
          'content-length': body.length,
          authorization: `Bearer ${token}`,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          if (res.statusCode !== 202) {
            reject(new Error(`HTTP ${res.statusCode}`));
            return;
          }
          resolve((JSON.parse(Buffer.concat(chunks).toString()) as { accepted: number }).accepted);
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
