import { GenesysApiError, type GenesysErrorKind, type GenesysLimit } from './types';

/** A fully read Genesys response (the body is always consumed so undici can reuse the socket). */
export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** ININ-Correlation-Id: Genesys's id for this request, to quote in support tickets and logs. */
  ininCorrelationId?: string;
}

/** Used when a 429 carries no usable Retry-After. */
export const DEFAULT_RETRY_AFTER_SECONDS = 1;
/**
 * The longest Retry-After honoured. The wait becomes a timer, a server-side pause of the Genesys queue and an
 * activity's retry delay: an absurd value would shut them for good (and past ~24.8 days overflow setTimeout).
 */
export const DEFAULT_RETRY_AFTER_MAX_SECONDS = 300;

/**
 * A Retry-After in seconds made safe to wait on: not finite (or absent): undefined, so the caller's default
 * applies; negative: 0; above maxSeconds: maxSeconds.
 */
export function clampRetryAfter(
  seconds: number | undefined,
  maxSeconds: number = DEFAULT_RETRY_AFTER_MAX_SECONDS,
): number | undefined {
  if (seconds === undefined || !Number.isFinite(seconds)) return undefined;
  return Math.min(Math.max(0, seconds), maxSeconds);
}

export function headerValue(headers: RawResponse['headers'], name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * inin-ratelimit-allowed as requests a minute: a positive integer in decimal digits, anything else undefined
 * (a garbled figure must not set the pace: "0" would stop every call, "1e2" is not what Genesys sends).
 */
export function parseRateLimitAllowed(value: string | undefined): number | undefined {
  const v = value?.trim();
  if (!v || !/^\d{1,9}$/.test(v)) return undefined;
  const n = Number(v);
  return n > 0 ? n : undefined;
}

/**
 * Retry-After is either delta-seconds or an HTTP date (RFC 9110 §10.2.3). Missing, unreadable or not a finite
 * number: DEFAULT_RETRY_AFTER_SECONDS. A date in the past: 0. Anything longer: maxSeconds.
 */
export function parseRetryAfter(
  value: string | undefined,
  now: () => number = Date.now,
  maxSeconds: number = DEFAULT_RETRY_AFTER_MAX_SECONDS,
): number {
  const v = value?.trim();
  if (!v) return DEFAULT_RETRY_AFTER_SECONDS;
  let seconds: number;
  if (/^\d+(\.\d+)?$/.test(v)) seconds = Math.ceil(Number(v));
  else {
    const at = Date.parse(v);
    if (Number.isNaN(at)) return DEFAULT_RETRY_AFTER_SECONDS;
    seconds = Math.ceil((at - now()) / 1000);
  }
  return clampRetryAfter(seconds, maxSeconds) ?? DEFAULT_RETRY_AFTER_SECONDS;
}

function kindForStatus(status: number): GenesysErrorKind {
  if (status === 400) return 'bad_request';
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 408) return 'timeout';
  if (status === 409) return 'conflict';
  if (status === 429) return 'rate_limited';
  if (status >= 400 && status < 500) return 'bad_request';
  return 'server';
}

/** Parses a JSON body, or undefined when it is empty or not JSON. */
export function tryParseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

const MAX_DETAIL_CHARS = 600;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v.trim() : undefined);

/** The body's `limit` ({key, namespace, value}), when it has one. */
function limitOf(v: unknown): GenesysLimit | undefined {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const l = v as Record<string, unknown>;
  const out: GenesysLimit = {
    key: str(l.key),
    namespace: str(l.namespace),
    value: typeof l.value === 'number' && Number.isFinite(l.value) ? l.value : undefined,
  };
  return out.key !== undefined || out.namespace !== undefined || out.value !== undefined ? out : undefined;
}

/**
 * The useful part of a Genesys error body ({message, code, contextId, details, errors, limit}) or of an OAuth
 * one ({error, error_description}).
 */
export function describeErrorBody(text: string): {
  code?: string;
  summary?: string;
  contextId?: string;
  limit?: GenesysLimit;
} {
  const body = tryParseJson(text);
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    const snippet = text.replace(/\s+/g, ' ').trim().slice(0, 200);
    return { summary: snippet || undefined };
  }
  const b = body as Record<string, unknown>;
  const code = str(b.code) ?? str(b.error);
  const contextId = str(b.contextId);
  const limit = limitOf(b.limit);
  const parts: string[] = [];
  const message = str(b.message) ?? str(b.error_description) ?? str(b.description);
  if (message) parts.push(message);
  if (Array.isArray(b.details) && b.details.length > 0) parts.push(`details: ${JSON.stringify(b.details)}`);
  if (Array.isArray(b.errors) && b.errors.length > 0) {
    const msgs = b.errors.map((e) =>
      e && typeof e === 'object' ? str((e as Record<string, unknown>).message) : str(e),
    );
    const listed = msgs.filter((m): m is string => Boolean(m));
    if (listed.length > 0) parts.push(`errors: ${listed.join('; ')}`);
  }
  const summary = parts.join(' | ');
  return { code, summary: summary ? summary.slice(0, MAX_DETAIL_CHARS) : undefined, contextId, limit };
}

const HINTS: Partial<Record<GenesysErrorKind, string>> = {
  bad_request: 'the request was rejected as invalid (a bug on our side, not retryable)',
  unauthorized: 'the access token was refused even after fetching a fresh one',
  forbidden: 'the OAuth client lacks a permission or scope for this call',
  not_found: 'not found',
  conflict: "conflict (the agent's session changed)",
  rate_limited: 'rate limited',
  server: 'Genesys server error',
  timeout: 'Genesys timed out',
};

/** Maps a non-2xx Genesys response to a typed error with a sentence a person can act on. */
export function errorFromResponse(
  res: RawResponse,
  operation: string,
  now: () => number = Date.now,
  retryAfterMaxSeconds: number = DEFAULT_RETRY_AFTER_MAX_SECONDS,
): GenesysApiError {
  const kind = kindForStatus(res.status);
  const { code, summary, contextId, limit } = describeErrorBody(res.text);
  let retryAfter: number | undefined;
  const retryAfterHeader = headerValue(res.headers, 'retry-after');
  if (kind === 'rate_limited') retryAfter = parseRetryAfter(retryAfterHeader, now, retryAfterMaxSeconds);
  else if (res.status === 503 && retryAfterHeader)
    retryAfter = parseRetryAfter(retryAfterHeader, now, retryAfterMaxSeconds);

  let message = `${operation}: HTTP ${res.status}${code ? ` ${code}` : ''}, ${HINTS[kind] ?? kind}`;
  if (retryAfter !== undefined) message += `; retry after ${retryAfter} s`;
  if (summary) message += `: ${summary}`;
  if (res.ininCorrelationId) message += ` [ININ-Correlation-Id ${res.ininCorrelationId}]`;
  return new GenesysApiError(message, kind, res.status, code, res.ininCorrelationId, retryAfter, {
    contextId,
    limit,
  });
}

const TIMEOUT_CODES = new Set([
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'ETIMEDOUT',
]);

function errorCode(err: unknown): string | undefined {
  if (!err || typeof err !== 'object') return undefined;
  const e = err as { code?: unknown; cause?: unknown };
  if (typeof e.code === 'string') return e.code;
  return e.cause && e.cause !== err ? errorCode(e.cause) : undefined;
}

/** Maps a thrown transport error (socket, DNS, timeout) to a typed error. */
export function errorFromException(err: unknown, operation: string, timeoutMs: number): GenesysApiError {
  if (err instanceof GenesysApiError) return err;
  const code = errorCode(err);
  const name =
    err instanceof Error || (err && typeof err === 'object' && 'name' in err) ? (err as Error).name : '';
  if (name === 'TimeoutError' || (code && TIMEOUT_CODES.has(code))) {
    return new GenesysApiError(
      `${operation}: no answer from Genesys within ${timeoutMs} ms${code ? ` (${code})` : ''}`,
      'timeout',
      undefined,
      code,
      undefined,
      undefined,
      { cause: err },
    );
  }
  const detail = err instanceof Error ? err.message : String(err);
  return new GenesysApiError(
    `${operation}: cannot reach Genesys (${code ? `${code}: ` : ''}${detail})`,
    'network',
    undefined,
    code,
    undefined,
    undefined,
    { cause: err },
  );
}
