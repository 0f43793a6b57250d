/** lms-api's answers the panel uses (CONTRACT.md, "LMS API"; snake_case as lms-api sends them). */
export interface Assignment {
  id: number;
  class_id: number;
  title: string;
  description: string;
  notebook_path: string | null;
  due_at: string | null;
  max_score: number | null;
}

export interface Submission {
  id: number;
  assignment_id: number;
  class_id: number;
  student_id: string;
  submitted_at: string;
  notebook_ref: string | null;
  status: 'submitted' | 'graded' | 'returned';
  score: number | null;
  feedback: string | null;
  /** Newer lms-api versions add these. */
  max_score?: number | null;
  late?: boolean;
}

export type LmsErrorCode = 'LMS_NETWORK' | 'LMS_UNAUTHORIZED' | 'LMS_CONFLICT' | 'LMS_HTTP';

export class LmsClientError extends Error {
  constructor(
    readonly code: LmsErrorCode,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'LmsClientError';
  }
}

/** One helper for every call to lms-api, throwing typed errors. */
export class LmsClient {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
    private readonly doFetch: typeof fetch = (...args) => fetch(...args),
  ) {}

  static async login(
    baseUrl: string,
    username: string,
    password: string,
    doFetch: typeof fetch = (...args) => fetch(...args),
  ): Promise<{ token: string; role: string }> {
    const client = new LmsClient(baseUrl, '', doFetch);
    return client.request('POST', '/api/v1/auth/login', { username, password });
  }

  assignments(): Promise<Assignment[]> {
    return this.request('GET', '/api/v1/assignments?limit=100');
  }

  submissions(): Promise<Submission[]> {
    return this.request('GET', '/api/v1/submissions?limit=100');
  }

  /** Submits, or resubmits when this student already has a submission for the assignment (409). */
  async submit(assignmentId: number, notebookPath: string, notebookJson: string): Promise<Submission> {
    const body = { assignment_id: assignmentId, notebook_ref: notebookPath, content: notebookJson };
    try {
      return await this.request<Submission>('POST', '/api/v1/submissions', body);
    } catch (error) {
      if (!(error instanceof LmsClientError) || error.code !== 'LMS_CONFLICT') throw error;
      const mine = await this.request<Submission[]>(
        'GET',
        `/api/v1/submissions?assignment_id=${encodeURIComponent(assignmentId)}`,
      );
      const existing = mine[0];
      if (!existing) throw error;
      return this.request<Submission>('PUT', `/api/v1/submissions/${existing.id}`, {
        notebook_ref: notebookPath,
        content: notebookJson,
      });
    }
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await this.doFetch(`${this.baseUrl.replace(/\/+$/, '')}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (cause) {
      throw new LmsClientError('LMS_NETWORK', `lms-api unreachable: ${(cause as Error).message}`);
    }
    const text = await response.text();
    if (response.ok) return (text ? JSON.parse(text) : undefined) as T;
    let message = `HTTP ${response.status}`;
    try {
      const parsed = JSON.parse(text) as { message?: string };
      if (parsed.message) message = parsed.message;
    } catch {
      // not JSON: keep the status
    }
    const code: LmsErrorCode =
      response.status === 401 ? 'LMS_UNAUTHORIZED' : response.status === 409 ? 'LMS_CONFLICT' : 'LMS_HTTP';
    throw new LmsClientError(code, message, response.status);
  }
}
