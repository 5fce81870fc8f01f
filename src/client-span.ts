/**
 * A span around one outgoing call (a Genesys request, a webhook POST, a push to an agent's app), child of the span
 * active at the call (an activity's), with the W3C `traceparent` of that span for the request's headers so the
 * receiver can continue the trace. Without a registered tracer provider (tracing off) the span is the API's no-op
 * and the headers are empty.
 */
import {
  SpanKind,
  SpanStatusCode,
  context,
  propagation,
  trace,
  type Attributes,
  type Span,
} from '@opentelemetry/api';

const tracer = () => trace.getTracer('desktop-alerts');

export async function withClientSpan<T>(
  name: string,
  attributes: Attributes,
  fn: (traceHeaders: Record<string, string>, span: Span) => Promise<T>,
): Promise<T> {
  return tracer().startActiveSpan(name, { kind: SpanKind.CLIENT, attributes }, async (span) => {
    const traceHeaders: Record<string, string> = {};
    propagation.inject(context.active(), traceHeaders);
    try {
      return await fn(traceHeaders, span);
    } catch (err) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error)?.message ?? String(err) });
      throw err;
    } finally {
      span.end();
    }
  });
}

/** An HTTP answer on the span: its status, and ERROR for 4xx/5xx (the OpenTelemetry HTTP client convention). */
export function recordHttpStatus(span: Span, status: number): void {
  span.setAttribute('http.response.status_code', status);
  if (status >= 400) span.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${status}` });
}
