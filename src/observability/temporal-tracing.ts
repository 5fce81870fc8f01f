/**
 * The Temporal SDK's OpenTelemetry interceptors, wired to this service's Tracing: the client's carry the active
 * span into a workflow start (a header), the workflow's run inside the sandbox and send their spans out through a
 * sink, the activities' continue the trace from the header their scheduling put on. None of them adds a command
 * or an event: headers and SDK flags only (test/workflow/replay.test.ts replays the recorded runs with them).
 * Tracing off: nothing here is registered.
 */
import type { ClientInterceptors } from '@temporalio/client';
import {
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
  makeWorkflowExporter,
  type OpenTelemetrySinks,
} from '@temporalio/interceptors-opentelemetry';
import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';
import type { Tracing } from './tracing';

/** The workflow-side interceptors, for `interceptors.workflowModules` or a bundle's `workflowInterceptorModules`. */
export const WORKFLOW_TRACING_MODULE =
  require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors');

/** For a Client's `interceptors`: a workflow start (or update, signal) continues the active span's trace. */
export function clientTracingInterceptors(tracing: Tracing | undefined): ClientInterceptors {
  return tracing ? { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } : {};
}

/** The activity span (RunActivity:<type>), and trace_id/span_id on the SDK's activity log lines. */
export const activityTracingInterceptor: ActivityInterceptorsFactory = (ctx) => ({
  inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
  outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
});

/** The sink the workflow interceptors export their spans through (to the service's span processor). */
export function workflowTracingSinks(tracing: Tracing): InjectedSinks<OpenTelemetrySinks> {
  return { exporter: makeWorkflowExporter(tracing.spanProcessor, tracing.resource) };
}
