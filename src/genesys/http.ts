import { request, type Dispatcher } from 'undici';
import { errorFromException, headerValue, type RawResponse } from './errors';

export interface SendOptions {
  method: Dispatcher.HttpMethod;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  /** The caller's own cancellation; its abort reason is rethrown unchanged. */
  signal?: AbortSignal;
  /** Names the call in error messages, e.g. "GET /api/v2/users/{id}". */
  operation: string;
}

/**
 * One HTTP exchange. Reads the whole body (undici keeps the socket busy until it is consumed) and
 * turns transport failures into GenesysApiError 'network' or 'timeout'. Statuses are left to the caller.
 */
export async function send(dispatcher: Dispatcher, url: string, opts: SendOptions): Promise<RawResponse> {
  // One deadline for headers and body together; headers/bodyTimeout also guard the socket itself.
  const deadline = AbortSignal.timeout(opts.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([deadline, opts.signal]) : deadline;
  try {
    const res = await request(url, {
      dispatcher,
      method: opts.method,
      headers: opts.headers,
      body: opts.body,
      signal,
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
    });
    const text = await res.body.text();
    return {
      status: res.statusCode,
      headers: res.headers,
      text,
      ininCorrelationId: headerValue(res.headers, 'inin-correlation-id'),
    };
  } catch (err) {
    if (opts.signal?.aborted) throw opts.signal.reason ?? err;
    throw errorFromException(err, opts.operation, opts.timeoutMs);
  }
}
