/**
 * A server span for one request, continuing the caller's W3C `traceparent` (or starting a trace): the work the
 * request starts (the alert's workflow, its activities, their Genesys calls) runs inside it and joins that trace.
 * Tracing off: the API's no-op span, and the request goes on as before.
 */
import { SpanKind, SpanStatusCode, context, propagation, trace } from '@opentelemetry/api';
import type { RequestHandler } from 'express';

export function traceRequest(route: string): RequestHandler {
  const tracer = trace.getTracer('desktop-alerts');
  return (req, res, next) => {
    const parent = propagation.extract(context.active(), req.headers);
    const span = tracer.startSpan(
      `${req.method} ${route}`,
      {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': req.method, 'http.route': route, 'url.path': req.path },
      },
      parent,
    );
    // 'close' comes after the answer went out, or when the connection dropped before it did.
    res.on('close', () => {
      span.setAttribute('http.response.status_code', res.statusCode);
      // Server spans: a 5xx is an error, a 4xx is the caller's.
      if (!res.writableFinished)
        span.setStatus({ code: SpanStatusCode.ERROR, message: 'closed before the answer' });
      else if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    context.with(trace.setSpan(parent, span), next);
  };
}
