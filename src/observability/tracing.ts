/**
 * OpenTelemetry tracing for the process, on only when the standard OTEL_* environment asks for an OTLP export (or a
 * test passes its own exporter). Off, nothing is registered: the OpenTelemetry API stays its no-op, so the spans the
 * code starts cost next to nothing and nothing leaves the process.
 */
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource, envDetectorSync } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';

export interface Tracing {
  /** Where finished spans go; the workflow span sink (makeWorkflowExporter) feeds the same one. */
  spanProcessor: SpanProcessor;
  resource: Resource;
  /** Exports what is still buffered and unregisters the provider. */
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  /** A test's exporter (e.g. InMemorySpanExporter): spans go to it one by one, whatever the environment says. */
  exporter?: SpanExporter;
}

const DEFAULT_SERVICE_NAME = 'desktop-alerts';

/**
 * Whether the environment asks for an OTLP trace export: an endpoint is set (OTEL_EXPORTER_OTLP_ENDPOINT or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT), OTEL_TRACES_EXPORTER is not `none` and OTEL_SDK_DISABLED is not `true`.
 * Requiring an endpoint (the SDK's own default is localhost:4318) keeps a service without any OTEL_* from trying to
 * export to a collector that is not there.
 */
export function otlpTracingRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  if (env.OTEL_TRACES_EXPORTER?.trim().toLowerCase() === 'none') return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim());
}

/** service.name `desktop-alerts` unless OTEL_SERVICE_NAME or OTEL_RESOURCE_ATTRIBUTES say otherwise. */
function serviceResource(): Resource {
  return new Resource({
    ...Resource.default().attributes,
    'service.name': DEFAULT_SERVICE_NAME,
    ...envDetectorSync.detect().attributes,
  });
}

/**
 * Registers the tracer provider, the W3C propagators (OTEL_PROPAGATORS, default tracecontext,baggage) and an
 * AsyncLocalStorage context manager, process-wide. Undefined, and nothing registered, when neither a test exporter
 * nor the environment asks for tracing. The SDK reads the rest of the environment itself: the exporter its
 * OTEL_EXPORTER_OTLP_* (headers, time-out), the provider OTEL_TRACES_SAMPLER(_ARG), the batch OTEL_BSP_*.
 */
export function startTracing(opts: TracingOptions = {}): Tracing | undefined {
  if (!opts.exporter && !otlpTracingRequested()) return undefined;
  const resource = serviceResource();
  const spanProcessor = opts.exporter
    ? new SimpleSpanProcessor(opts.exporter)
    : new BatchSpanProcessor(new OTLPTraceExporter());
  const provider = new BasicTracerProvider({ resource, spanProcessors: [spanProcessor] });
  provider.register({ contextManager: new AsyncLocalStorageContextManager().enable() });
  let closing: Promise<void> | undefined;
  return {
    spanProcessor,
    resource,
    shutdown: () =>
      (closing ??= provider.shutdown().finally(() => {
        trace.disable();
        context.disable();
        propagation.disable();
      })),
  };
}
