/**
 * When tracing is on: only when the standard OTEL_* environment asks for an OTLP export. Unset, nothing is registered
 * (the API stays a no-op, no traceparent goes out, log lines carry no trace id); set, spans reach an OTLP/HTTP
 * receiver (a loopback one here, standing in for a collector).
 */
import { Writable } from 'node:stream';
import { context, propagation, trace } from '@opentelemetry/api';
import { createLogger } from '../../src/observability/logger';
import { otlpTracingRequested, startTracing } from '../../src/observability/tracing';
import { startSink } from '../helpers/sink';

const OTEL_VARS = [
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  'OTEL_SERVICE_NAME',
  'OTEL_BSP_SCHEDULE_DELAY',
];
const saved = Object.fromEntries(OTEL_VARS.map((k) => [k, process.env[k]]));
afterEach(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

function jsonLogger() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString('utf8').split('\n').filter(Boolean))
        lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { logger: createLogger({ level: 'info', destination }), lines };
}

test('the environment asks for an export only with an endpoint, and not when disabled or `none`', () => {
  expect(otlpTracingRequested({})).toBe(false);
  expect(otlpTracingRequested({ OTEL_SERVICE_NAME: 'x' })).toBe(false);
  expect(otlpTracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://localhost:4318' })).toBe(true);
  expect(otlpTracingRequested({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/v1/traces' })).toBe(true);
  const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://localhost:4318' };
  expect(otlpTracingRequested({ ...endpoint, OTEL_TRACES_EXPORTER: 'none' })).toBe(false);
  expect(otlpTracingRequested({ ...endpoint, OTEL_SDK_DISABLED: 'true' })).toBe(false);
  expect(otlpTracingRequested({ ...endpoint, OTEL_SDK_DISABLED: 'false' })).toBe(true);
});

test('with OTEL_* unset nothing is registered: no-op spans, no traceparent, no trace id on log lines', () => {
  for (const k of OTEL_VARS) delete process.env[k];
  expect(startTracing()).toBeUndefined();
  const { logger, lines } = jsonLogger();
  const span = trace.getTracer('t').startSpan('s');
  expect(span.isRecording()).toBe(false);
  const headers: Record<string, string> = {};
  context.with(trace.setSpan(context.active(), span), () => {
    propagation.inject(context.active(), headers);
    logger.info('inside');
  });
  span.end();
  expect(headers).toEqual({});
  expect(lines[0]).not.toHaveProperty('trace_id');
});

test('with OTEL_EXPORTER_OTLP_ENDPOINT set, spans go to that OTLP/HTTP receiver, named by OTEL_SERVICE_NAME', async () => {
  const collector = await startSink();
  try {
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = collector.url;
    process.env.OTEL_SERVICE_NAME = 'tracing-env-test';
    const tracing = startTracing();
    expect(tracing).toBeDefined();
    const { logger, lines } = jsonLogger();
    const span = trace.getTracer('t').startSpan('a traced step');
    context.with(trace.setSpan(context.active(), span), () => logger.info('inside'));
    logger.info('outside');
    span.end();
    await tracing!.shutdown(); // flushes the batch
    expect(lines[0]).toMatchObject({
      trace_id: span.spanContext().traceId,
      span_id: span.spanContext().spanId,
    });
    expect(lines[1]).not.toHaveProperty('trace_id');
    expect(collector.requests.map((r) => r.path)).toEqual(['/v1/traces']);
    const body = collector.requests[0]!.body;
    expect(body).toContain('a traced step');
    expect(body).toContain('tracing-env-test');
    expect(body).toContain(span.spanContext().traceId);
    // Shut down, the provider is unregistered again.
    expect(trace.getTracer('t').startSpan('after').isRecording()).toBe(false);
  } finally {
    await collector.close();
  }
});
