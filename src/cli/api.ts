/**
 * The ingress's HTTP API as the CLI calls it: one keep-alive client with retries, its errors (an error
 * answer, or no answer at all) and the calls more than one command makes.
 */
import { Agent, request } from 'undici';
import type { AlertBody } from './alert-body';
import type {
  AlertRequestBody,
  Method,
  PathOf,
  PathParams,
  Problem,
  QueryParams,
  RequestBody,
  ResponseBody,
} from './api-contract';
import { CliError } from './errors';

/** The API answered with an error status. */
export class ApiError extends CliError {
  constructor(
    readonly status: number,
    readonly problem: Problem,
    readonly retryAfterSeconds?: number,
  ) {
    super(
      describeProblem(status, problem),
      [...problemLines(problem), ...(status === 401 ? ['check --api-key or DESKTOP_ALERTS_API_KEY'] : [])],
      {
        error: { ...problem, status },
      },
    );
  }
}

/** The API could not be reached at all (refused, DNS, timeout). */
export class ApiUnreachableError extends CliError {
  constructor(
    readonly baseUrl: string,
    readonly code: string,
    message: string,
  ) {
    super(message, [], { error: { type: 'unreachable', code, detail: message } });
  }
}

function describeProblem(status: number, p: Problem): string {
  const title = p.title ?? `HTTP ${status}`;
  const detail = p.detail && p.detail !== title ? `: ${p.detail}` : '';
  return `${title} (${status})${detail}`;
}

/** The fields the API refused, as `field: message` each. */
export const fieldErrors = (p: Problem): string[] =>
  (p.errors ?? []).map((e) => `${e.field || '(body)'}: ${e.message}`);

function problemLines(p: Problem): string[] {
  const lines = fieldErrors(p);
  if (p.requestId) lines.push(`request id: ${p.requestId}`);
  return lines;
}

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);
/** Errors after which the same request may be sent again (it carries an idempotency key). */
const TRANSIENT = new Set([
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

const codeOf = (err: unknown): string | undefined => {
  for (let e: unknown = err, d = 0; e && d < 5; e = (e as { cause?: unknown }).cause, d++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
};

interface ApiClientOptions {
  baseUrl: string;
  apiKey?: string;
  timeoutMs: number;
  /** How often a 503 or a dropped connection is retried (honouring Retry-After). */
  retries: number;
  /** Upper bound on one wait before a retry. */
  maxRetryDelayMs?: number;
}

interface ApiResponse<T> {
  status: number;
  body: T;
}

/** A call's path parameters (required when its path template has any), query and body, typed from the spec. */
type CallArgs<M extends Method, P extends PathOf<M>> = [keyof PathParams<P>] extends [never]
  ? [opts?: { query?: QueryParams<M, P>; body?: RequestBody<M, P> }]
  : [opts: { params: PathParams<P>; query?: QueryParams<M, P>; body?: RequestBody<M, P> }];

/** `/v1/alerts/{alertId}` with `{alertId: 'a b'}`: `/v1/alerts/a%20b`. */
const fillPath = (template: string, params: Record<string, string | number> = {}): string =>
  template.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`no value for {${name}} in ${template}`);
    return encodeURIComponent(String(value));
  });

/** The ingress's HTTP API, over one keep-alive pool that close() releases. */
export class ApiClient {
  private readonly agent: Agent;
  readonly baseUrl: string;

  constructor(private readonly opts: ApiClientOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.agent = new Agent({
      connectTimeout: opts.timeoutMs,
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
      keepAliveTimeout: 2_000,
    });
  }

  /** One operation of the API (`send('get', '/v1/alerts/{alertId}', { params: { alertId } })`). */
  send<M extends Method, P extends PathOf<M>>(
    method: M,
    path: P,
    ...[opts]: CallArgs<M, P>
  ): Promise<ApiResponse<ResponseBody<M, P>>> {
    const { params, query, body } = (opts ?? {}) as {
      params?: Record<string, string | number>;
      query?: Record<string, string | number>;
      body?: unknown;
    };
    const search = query
      ? `?${new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]))}`
      : '';
    return this.call(method === 'get' ? 'GET' : 'POST', `${fillPath(path, params)}${search}`, body);
  }

  private async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<ApiResponse<T>> {
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await this.once<T>(method, path, body);
        return res;
      } catch (err) {
        const retryable =
          (err instanceof ApiError && err.status === 503) ||
          (!(err instanceof CliError) && TRANSIENT.has(codeOf(err) ?? ''));
        if (!retryable || attempt >= this.opts.retries) throw this.translate(err);
        const hinted = err instanceof ApiError ? err.retryAfterSeconds : undefined;
        const delay = Math.min(
          hinted !== undefined ? hinted * 1000 : 500 * 2 ** attempt,
          this.opts.maxRetryDelayMs ?? 10_000,
        );
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  private async once<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { accept: 'application/json, application/problem+json' };
    if (this.opts.apiKey) headers.authorization = `Bearer ${this.opts.apiKey}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await request(`${this.baseUrl}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      dispatcher: this.agent,
    });
    const text = await res.body.text();
    let parsed: unknown = undefined;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
    }
    if (res.statusCode >= 400) {
      const problem: Problem =
        parsed && typeof parsed === 'object'
          ? (parsed as Problem)
          : { title: `HTTP ${res.statusCode}`, detail: text.slice(0, 200) || undefined };
      const ra = Number(res.headers['retry-after']);
      throw new ApiError(res.statusCode, problem, Number.isFinite(ra) && ra >= 0 ? ra : undefined);
    }
    return { status: res.statusCode, body: parsed as T };
  }

  private translate(err: unknown): Error {
    if (err instanceof CliError) return err;
    const code = codeOf(err) ?? 'UNKNOWN';
    if (UNREACHABLE.has(code))
      return new ApiUnreachableError(
        this.baseUrl,
        code,
        `cannot reach the API at ${this.baseUrl}: is it running? (${code})`,
      );
    if (TRANSIENT.has(code))
      return new ApiUnreachableError(
        this.baseUrl,
        code,
        `the API at ${this.baseUrl} dropped the request or did not answer in time (${code})`,
      );
    return new ApiUnreachableError(
      this.baseUrl,
      code,
      `request to ${this.baseUrl} failed: ${(err as Error)?.message ?? String(err)}`,
    );
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

/**
 * A catch handler for a call: an error answer with one of the given statuses becomes a CliError with that
 * message (--json still prints the problem details); anything else is rethrown as it is.
 */
export const explainStatus =
  (messages: Partial<Record<number, (err: ApiError) => string>>) =>
  (err: unknown): never => {
    if (err instanceof ApiError) {
      const explain = messages[err.status];
      if (explain) throw new CliError(explain(err), [], err.json);
    }
    throw err;
  };

/**
 * POST /v1/alerts: the alert's id; `duplicate` when its idempotency key was seen before (nothing sent). The body's
 * field names are the spec's (AlertBody); its values are sent as given, for the API to check and name what it refuses.
 */
export const postAlert = (api: ApiClient, body: AlertBody) =>
  api.send('post', '/v1/alerts', { body: body as AlertRequestBody });
