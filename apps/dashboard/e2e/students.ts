import { randomUUID } from 'node:crypto';

/** Students of the demo class, working through lms-api (login) and ingest (events), as the extension does. */
export const NOTEBOOK = 'week1/intro.ipynb';

export interface EventFields {
  eventType: string;
  cellIndex?: number;
  [field: string]: unknown;
}

export async function login(lmsUrl: string, username: string, password = username): Promise<string> {
  const response = await fetch(`${lmsUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (!response.ok) throw new Error(`login ${username}: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { token: string }).token;
}

export async function getJson<T>(url: string, token: string): Promise<T> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  if (!response.ok) throw new Error(`GET ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

export async function postJson<T>(url: string, token: string, body: unknown): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`POST ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

export class Student {
  private readonly sessionId = randomUUID();
  private executionCount = 0;
  /** The event time of the next events (ms since the epoch); now when null. */
  at: number | null = null;

  private constructor(
    readonly userId: string,
    private readonly token: string,
    private readonly classId: string,
    private readonly ingestUrl: string,
  ) {}

  static async login(lmsUrl: string, ingestUrl: string, userId: string, classId: string): Promise<Student> {
    return new Student(userId, await login(lmsUrl, userId), classId, ingestUrl);
  }

  event(fields: EventFields): Record<string, unknown> {
    const cell =
      fields.cellIndex === undefined
        ? {}
        : { notebookPath: NOTEBOOK, cellId: `cell-${fields.cellIndex}`, cellType: 'code' };
    return {
      eventId: randomUUID(),
      eventTime: new Date(this.at ?? Date.now()).toISOString(),
      userId: this.userId,
      classId: this.classId,
      sessionId: this.sessionId,
      ...cell,
      ...fields,
    };
  }

  run(cellIndex: number, code = `x = ${cellIndex}`): Record<string, unknown> {
    this.executionCount += 1;
    return this.event({
      eventType: 'cell_execution_complete',
      cellIndex,
      code,
      executionCount: this.executionCount,
      hasError: false,
      executionDurationMs: 12,
    });
  }

  fail(
    cellIndex: number,
    errorName: string,
    errorMessage: string,
    code = 'print(total)',
  ): Record<string, unknown> {
    this.executionCount += 1;
    return this.event({
      eventType: 'cell_execution_error',
      cellIndex,
      code,
      executionCount: this.executionCount,
      hasError: true,
      errorName,
      errorMessage,
      executionDurationMs: 7,
    });
  }

  /** POSTs a batch to ingest; resolves when Kafka has it (202). */
  async send(...events: Record<string, unknown>[]): Promise<void> {
    const response = await fetch(`${this.ingestUrl}/api/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(events),
    });
    const body = await response.text();
    if (response.status !== 202) throw new Error(`ingest answered ${response.status}: ${body}`);
    const answer = JSON.parse(body) as { accepted: number; rejected: unknown[] };
    if (answer.rejected.length > 0) throw new Error(`ingest rejected events: ${body}`);
  }

  async submit(lmsUrl: string, assignmentId: number): Promise<void> {
    await postJson(`${lmsUrl}/api/v1/submissions`, this.token, {
      assignment_id: assignmentId,
      content: 'done',
    });
  }
}
