import { ApiError, clientError } from './errors';
import type {
  ActivityAnswer,
  AssignmentDto,
  ClassDto,
  LoginAnswer,
  MessageAnswer,
  StudentProgress,
  SubmissionDto,
  TimelinePage,
} from './types';

export interface ApiOptions {
  /** Where lms-api is; '' for the origin the page came from (lms-api serves the dashboard). */
  baseUrl?: string;
  token: () => string | null;
  /** Called once per 401 answer, so the app can send the user back to the login form. */
  onUnauthorized?: (error: ApiError) => void;
  fetch?: typeof fetch;
}

/** Largest pages the list endpoints give; longer lists are read page by page. */
const PROGRESS_PAGE = 200;
const LIST_PAGE = 500;

/** The one helper through which the dashboard calls lms-api: JSON in, JSON out, typed errors. */
export class ApiClient {
  private readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: ApiOptions) {
    this.baseUrl = options.baseUrl ?? '';
    this.fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  login(username: string, password: string): Promise<LoginAnswer> {
    return this.request<LoginAnswer>('POST', '/api/v1/auth/login', { username, password }, false).then(
      (answer) => answer.body,
    );
  }

  async classes(): Promise<ClassDto[]> {
    return this.list<ClassDto>('/api/v1/classes', {}, LIST_PAGE);
  }

  async class(id: string): Promise<ClassDto> {
    return (await this.request<ClassDto>('GET', `/api/v1/classes/${encodeURIComponent(id)}`)).body;
  }

  /** Every enrolled student with their progress (read page by page). */
  async progress(classId: string): Promise<StudentProgress[]> {
    const all: StudentProgress[] = [];
    for (let skip = 0; ; skip += PROGRESS_PAGE) {
      const path = `/api/v1/classes/${encodeURIComponent(classId)}/progress?${query({ skip, limit: PROGRESS_PAGE })}`;
      const { body } = await this.request<{ students: StudentProgress[]; total: number }>('GET', path);
      all.push(...body.students);
      if (body.students.length < PROGRESS_PAGE || all.length >= body.total) return all;
    }
  }

  async timeline(
    classId: string,
    userId: string,
    page: { limit?: number; cursor?: string | null } = {},
  ): Promise<TimelinePage> {
    const params = query({ limit: page.limit ?? 50, cursor: page.cursor ?? undefined });
    const path = `/api/v1/classes/${encodeURIComponent(classId)}/students/${encodeURIComponent(userId)}/timeline?${params}`;
    return (await this.request<TimelinePage>('GET', path)).body;
  }

  async activity(classId: string, window: { interval: string; range: string }): Promise<ActivityAnswer> {
    const path = `/api/v1/classes/${encodeURIComponent(classId)}/activity?${query(window)}`;
    return (await this.request<ActivityAnswer>('GET', path)).body;
  }

  assignments(classId: string): Promise<AssignmentDto[]> {
    return this.list<AssignmentDto>('/api/v1/assignments', { class_id: classId }, LIST_PAGE);
  }

  submissions(classId: string): Promise<SubmissionDto[]> {
    return this.list<SubmissionDto>('/api/v1/submissions', { class_id: classId }, LIST_PAGE);
  }

  /** Gives or changes a grade; lms-api notifies the student. */
  async grade(
    submissionId: number,
    grade: { score: number; feedback: string | null },
  ): Promise<SubmissionDto> {
    const path = `/api/v1/submissions/${submissionId}/grade`;
    return (await this.request<SubmissionDto>('PUT', path, grade)).body;
  }

  /** Returns a submission for another attempt; lms-api notifies the student. */
  async returnSubmission(submissionId: number, feedback: string | null): Promise<SubmissionDto> {
    const path = `/api/v1/submissions/${submissionId}/return`;
    return (await this.request<SubmissionDto>('POST', path, feedback === null ? {} : { feedback })).body;
  }

  /** A system message to every student of the class. */
  async sendMessage(classId: string, message: { title: string; message: string }): Promise<MessageAnswer> {
    const path = `/api/v1/classes/${encodeURIComponent(classId)}/messages`;
    return (await this.request<MessageAnswer>('POST', path, message)).body;
  }

  /** A list endpoint read to the end (`skip`/`limit`, total in `X-Total-Count`). */
  private async list<T>(path: string, filters: Record<string, string>, limit: number): Promise<T[]> {
    const all: T[] = [];
    for (let skip = 0; ; skip += limit) {
      const { body, headers } = await this.request<T[]>(
        'GET',
        `${path}?${query({ ...filters, skip, limit })}`,
      );
      all.push(...body);
      const total = Number(headers.get('x-total-count') ?? Number.NaN);
      if (body.length < limit || !(all.length < total)) return all;
    }
  }

  private async request<T>(
    method: 'GET' | 'POST' | 'PUT',
    path: string,
    body?: unknown,
    authenticated = true,
  ): Promise<{ body: T; headers: Headers }> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const token = authenticated ? this.options.token() : null;
    if (token) headers.authorization = `Bearer ${token}`;
    let response: Response;
    try {
      response = await this.fetchImpl(`${this.baseUrl}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      throw clientError('NETWORK', 'lms-api does not answer. Check your connection and try again.', error);
    }
    const parsed = await readJson(response);
    if (!response.ok) {
      const error = toApiError(response.status, parsed);
      if (error.unauthorized && authenticated) this.options.onUnauthorized?.(error);
      throw error;
    }
    if (parsed === undefined)
      throw new ApiError('BAD_RESPONSE', 'lms-api sent an answer that is not JSON.', 0);
    return { body: parsed as T, headers: response.headers };
  }
}

async function readJson(response: Response): Promise<unknown> {
  try {
    return await response.json();
  } catch {
    return undefined;
  }
}

export function toApiError(status: number, body: unknown): ApiError {
  const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const code = typeof fields.code === 'string' ? fields.code : `HTTP_${status}`;
  const message =
    typeof fields.message === 'string' ? fields.message : `lms-api answered ${status} without details.`;
  return new ApiError(code, message, status, fields.details);
}

function query(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined) search.set(key, String(value));
  }
  return search.toString();
}
