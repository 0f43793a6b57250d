import { retry, sleep } from '@cellstream/shared';
import { SimulatorError } from './errors.js';
import { type FetchLike, joinUrl, parseRetryAfter, readErrorBody } from './http.js';

export interface LmsAnswer<T> {
  status: number;
  body: T;
  headers: Headers;
}

export interface LoginResult {
  token: string;
  role: 'admin' | 'instructor' | 'student';
}

const LOGIN_ATTEMPTS = 4;

/**
 * The few lms-api calls the simulator makes (apps/lms-api: `/api/v1/...`). Answers in
 * `okStatuses` come back as data; 409 too when the caller says so (idempotent creation); any
 * other answer is a SimulatorError naming lms-api's code.
 */
export class LmsClient {
  constructor(
    readonly baseUrl: string,
    private readonly fetchImpl: FetchLike = fetch,
  ) {}

  /** `POST /auth/login`; waits out the login rate limit (429 with Retry-After) a few times. */
  async login(username: string, password: string): Promise<LoginResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        const answer = await this.call<LoginResult>('POST', '/api/v1/auth/login', undefined, {
          body: { username, password },
        });
        return answer.body;
      } catch (error) {
        if (!(error instanceof SimulatorError) || error.code !== 'SIM_LMS_RATE_LIMITED') throw error;
        if (attempt >= LOGIN_ATTEMPTS) throw error;
        await sleep(error.retryAfterMs ?? 10_000);
      }
    }
  }

  /**
   * One call, retried (shared's `retry`: backoff with jitter) when lms-api is unreachable or
   * answers 5xx. Every call the simulator makes is safe to repeat: creations answer 409 when
   * done already, enrollment 200, and a second ingest token does no harm.
   */
  call<T>(
    method: 'GET' | 'POST',
    path: string,
    token: string | undefined,
    options: { body?: unknown; okStatuses?: readonly number[] } = {},
  ): Promise<LmsAnswer<T>> {
    return retry(() => this.callOnce<T>(method, path, token, options), {
      attempts: 4,
      initialDelayMs: 200,
      maxDelayMs: 2_000,
      shouldRetry: (error) =>
        error instanceof SimulatorError &&
        (error.code === 'SIM_LMS_UNREACHABLE' || error.code === 'SIM_LMS_SERVER_ERROR'),
    });
  }

  private async callOnce<T>(
    method: 'GET' | 'POST',
    path: string,
    token: string | undefined,
    options: { body?: unknown; okStatuses?: readonly number[] },
  ): Promise<LmsAnswer<T>> {
    const url = joinUrl(this.baseUrl, path);
    const okStatuses = options.okStatuses ?? [200, 201];
    let response: Response;
    try {
      response = await this.fetchImpl(url, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      });
    } catch (error) {
      throw new SimulatorError('SIM_LMS_UNREACHABLE', `lms-api did not answer at ${url}; is it running?`, {
        cause: error,
      });
    }
    if (okStatuses.includes(response.status)) {
      const text = await response.text();
      return {
        status: response.status,
        body: (text ? JSON.parse(text) : null) as T,
        headers: response.headers,
      };
    }
    const { code, message } = await readErrorBody(response);
    const detail =
      `${method} ${path}: lms-api answered ${response.status} ${code ?? ''} ${message ?? ''}`.trim();
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
    const errorOptions = {
      status: response.status,
      context: { lmsCode: code },
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    };
    if (response.status === 429) throw new SimulatorError('SIM_LMS_RATE_LIMITED', detail, errorOptions);
    if (response.status === 401 && path.endsWith('/auth/login')) {
      throw new SimulatorError('SIM_LMS_LOGIN_FAILED', detail, errorOptions);
    }
    if (response.status >= 500) throw new SimulatorError('SIM_LMS_SERVER_ERROR', detail, errorOptions);
    throw new SimulatorError('SIM_LMS_REFUSED', detail, errorOptions);
  }

  /** Every item of a paged list (`skip`, `limit` at most 500). */
  async listAll<T>(path: string, token: string, query: Record<string, string> = {}): Promise<T[]> {
    const items: T[] = [];
    for (let skip = 0; ; skip += 500) {
      const params = new URLSearchParams({ ...query, skip: String(skip), limit: '500' });
      const page = await this.call<T[]>('GET', `${path}?${params}`, token);
      items.push(...page.body);
      if (page.body.length < 500) return items;
    }
  }
}
