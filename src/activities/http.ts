import { randomUUID } from 'node:crypto';
import { request, type Dispatcher } from 'undici';
import { ApplicationFailure } from '@temporalio/common';
import { recordHttpStatus, withClientSpan } from '../client-span';
import { webhookHeaders } from '../shared/standard-webhooks';

/**
 * POST a JSON event to a configured consumer, Standard-Webhooks-signed when a secret is set.
 * The webhook-id is stable per event so the consumer can drop our retries.
 * 2xx: done. 408/425/429/5xx/network: retryable. Other 4xx: the consumer refuses it for good.
 */
export async function postSignedJson(opts: {
  url: string;
  body: unknown;
  webhookId: string;
  secret?: string;
  timeoutMs?: number;
  dispatcher?: Dispatcher;
  correlationId?: string;
  /** Names the span: `POST <spanName>` (default `POST webhook`). */
  spanName?: string;
}): Promise<{ status: number }> {
  const payload = JSON.stringify(opts.body);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-request-id': opts.correlationId ?? randomUUID(),
    ...(opts.secret
      ? webhookHeaders(opts.secret, opts.webhookId, payload)
      : { 'webhook-id': opts.webhookId }),
  };
  // A client span for the POST; its traceparent goes with it, so the consumer can continue the alert's trace.
  return withClientSpan(
    `POST ${opts.spanName ?? 'webhook'}`,
    { 'http.request.method': 'POST', 'server.address': URL.parse(opts.url)?.host ?? '' },
    async (traceHeaders, span) => {
      let res: Dispatcher.ResponseData<unknown>;
      try {
        res = await request(opts.url, {
          method: 'POST',
          headers: { ...headers, ...traceHeaders },
          body: payload,
          dispatcher: opts.dispatcher,
          headersTimeout: opts.timeoutMs ?? 10_000,
          bodyTimeout: opts.timeoutMs ?? 10_000,
        });
      } catch (err) {
        throw ApplicationFailure.retryable(
          `POST ${redactUrl(opts.url)} failed: ${(err as Error).message}`,
          'WebhookNetworkError',
        );
      }
      await res.body.dump();
      const s = res.statusCode;
      recordHttpStatus(span, s);
      if (s >= 200 && s < 300) return { status: s };
      const msg = `POST ${redactUrl(opts.url)} answered ${s}`;
      if (s === 408 || s === 425 || s === 429 || s >= 500)
        throw ApplicationFailure.retryable(msg, 'WebhookRetryableStatus');
      throw ApplicationFailure.nonRetryable(msg, 'WebhookRejected');
    },
  );
}

/** URLs from configuration may carry credentials or tokens in the query: keep them out of errors and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '<invalid url>';
  }
}
