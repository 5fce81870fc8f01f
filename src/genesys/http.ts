import { request, type Dispatcher } from 'undici';
import { recordHttpStatus, withClientSpan } from '../client-span';
import { errorFromException, headerValue, parseRateLimitAllowed, type RawResponse } from './errors';
import type { GenesysCallEvent } from './types';

export interface SendOptions {
  method: Dispatcher.HttpMethod;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  /** The caller's own cancellation; its abort reason is rethrown unchanged. */
  signal?: AbortSignal;
  /** Names the call in error messages, e.g. "GET /api/v2/users/{id}". */
  operation: string;
  /** Told about every exchange, answered or not (metrics). Must not throw. */
  observe?: (e: GenesysCallEvent) => void;
}

/**
 * One HTTP exchange. Reads the whole body (undici keeps the socket busy until it is consumed) and
 * turns transport failures into GenesysApiError 'network' or 'timeout'. Statuses are left to the caller.
 */
export async function send(dispatcher: Dispatcher, url: string, opts: SendOptions): Promise<RawResponse> {
  // One deadline for headers and body together; headers/bodyTimeout also guard the socket itself.
  const deadline = AbortSignal.timeout(opts.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([deadline, opts.signal]) : deadline;
  const started = performance.now();
  const report = (e: Omit<GenesysCallEvent, 'operation' | 'durationMs'>) => {
    try {
      opts.observe?.({ operation: opts.operation, durationMs: performance.now() - started, ...e });
    } catch {
      // Metrics must never break a call.
    }
  };
  // A client span per exchange (a 401's retry is a second one) whose traceparent goes to Genesys with the request.
  const attributes = { 'http.request.method': opts.method, 'server.address': URL.parse(url)?.host ?? '' };
  return withClientSpan(`Genesys ${opts.operation}`, attributes, async (traceHeaders, span) => {
    try {
      const res = await request(url, {
        dispatcher,
        method: opts.method,
        headers: { ...opts.headers, ...traceHeaders },
        body: opts.body,
        signal,
        headersTimeout: opts.timeoutMs,
        bodyTimeout: opts.timeoutMs,
      });
      const text = await res.body.text();
      const allowed = parseRateLimitAllowed(headerValue(res.headers, 'inin-ratelimit-allowed'));
      report({ status: res.statusCode, ...(allowed === undefined ? {} : { rateLimitAllowed: allowed }) });
      recordHttpStatus(span, res.statusCode);
      return {
        status: res.statusCode,
        headers: res.headers,
        text,
        ininCorrelationId: headerValue(res.headers, 'inin-correlation-id'),
      };
    } catch (err) {
      if (opts.signal?.aborted) {
        report({ error: 'aborted' });
        throw opts.signal.reason ?? err;
      }
      const mapped = errorFromException(err, opts.operation, opts.timeoutMs);
      report({ error: mapped.kind === 'timeout' ? 'timeout' : 'network' });
      throw mapped;
    }
  });
}

/**
 * One authorised call: a JSON body (when given) with the client's bearer token, and on a 401 one fresh token and
 * one retry (GENESYS.md: the token expired or was revoked mid-batch). `onTokenRefused` is told before the retry.
 * Statuses are left to the caller, as with send().
 */
export async function sendAuthorized(
  dispatcher: Dispatcher,
  tokens: { getToken(): Promise<string>; invalidate(token: string): void },
  url: string,
  opts: Omit<SendOptions, 'headers' | 'body'> & {
    json?: unknown;
    onTokenRefused?: (res: RawResponse) => void;
  },
): Promise<RawResponse> {
  const { json, onTokenRefused, ...rest } = opts;
  const body = json === undefined ? undefined : JSON.stringify(json);
  const attempt = (token: string) =>
    send(dispatcher, url, {
      ...rest,
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body,
    });
  const token = await tokens.getToken();
  const res = await attempt(token);
  if (res.status !== 401) return res;
  onTokenRefused?.(res);
  tokens.invalidate(token);
  return attempt(await tokens.getToken());
}
