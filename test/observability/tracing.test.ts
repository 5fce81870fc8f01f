/**
 * One alert's trace through the whole service in one process (issue 16): the sender's traceparent on POST
 * /v1/alerts, the workflow start, the workflow run, its activities, the push to the agent's app, and, after the
 * agent's click, the downstream webhook POST, which carries the trace on to the consumer. Spans go to an in-memory
 * exporter; the log lines written inside the trace carry its id.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { Worker } from '@temporalio/worker';
import { workflowTracingSinks } from '../../src/observability/temporal-tracing';
import { startTracing, type Tracing } from '../../src/observability/tracing';
import { alertSinks } from '../../src/observability/worker-telemetry';
import { connectAgent, type LiveAgent } from '../helpers/agent-app-client';
import { eventually } from '../helpers/eventually';
import { quietRuntime, workflowBundle } from '../helpers/stack';
import { alertRequest, captureLogs, startOpsStack, uniqueId, type OpsStack } from '../ops/helpers';
import { ancestry, renderSpanTree } from './span-tree';

jest.setTimeout(90_000);

const traceparent = (traceId: string) => `00-${traceId}-00f067aa0ba902b7-01`;

describe('tracing (real workflow, real ingress, in-memory exporter)', () => {
  const a = {
    id: uniqueId('tr-agent'),
    name: 'Alex Agent',
    email: `${uniqueId('alex')}@example.com`,
    presence: 'Available',
  };
  const b = {
    id: uniqueId('tr-bo'),
    name: 'Bo Agent',
    email: `${uniqueId('bo')}@example.com`,
    presence: 'Available',
  };
  const exporter = new InMemorySpanExporter();
  const logs = captureLogs('info');
  let tracing: Tracing;
  let stack: OpsStack;
  let alex: LiveAgent & { session: { sessionToken: string } };
  /** The first test's alert: its history is replayed by the next one. */
  let tracedRun: string | undefined;

  beforeAll(async () => {
    quietRuntime();
    tracing = startTracing({ exporter })!;
    stack = await startOpsStack({
      users: [a, b],
      desktopChannels: ['agent-app', 'notifications-endpoint'],
      tracing,
      logger: logs.logger,
    });
    alex = await connectAgent(stack.emulator.url, stack.ingress.url, a.email);
    await eventually(async () => {
      // Alex is in the registry once the node announced him (the registry workflow exists from then on).
      const h = stack.client.workflow.getHandle(`agent-app-registry-${stack.ingress.alerts.taskQueue}`);
      return h.describe().catch((e: unknown) => {
        if (e instanceof WorkflowNotFoundError) return undefined;
        throw e;
      });
    });
  });
  afterAll(async () => {
    await alex?.close();
    await stack?.close();
    await tracing?.shutdown();
  });

  const send = async (traceId: string, over: Record<string, unknown>) => {
    const r = await stack.api('/v1/alerts', {
      body: alertRequest(over),
      headers: { traceparent: traceparent(traceId) },
    });
    expect(r.status).toBe(202);
    return r.json.alertId as string;
  };
  const spansOf = (traceId: string) =>
    exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
  const one = (spans: ReadableSpan[], name: string) => {
    const found = spans.filter((s) => s.name === name);
    expect(found.map((s) => s.name)).toEqual([name]);
    return found[0]!;
  };

  it('an alert shown in the agent app, clicked and handed downstream is one trace, from the sender to the consumer', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const alertId = await send(traceId, { target: { email: a.email } });
    const shown = await alex.waitFor((f) => f.event === 'alert' && f.data.alertId === alertId);
    const clicked = await fetch(`${stack.ingress.url}/agent-app/actions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${alex.session.sessionToken}` },
      body: JSON.stringify({ notificationId: shown.data.notificationId, actionId: 'ack' }),
    });
    expect(clicked.status).toBe(202);
    await stack.waitForAlert(alertId, (s) => s.status === 'actioned');
    const handedOff = await eventually(async () =>
      stack.downstream.requests.find(
        (r) => (r.json as { alertId?: string } | undefined)?.alertId === alertId,
      ),
    );
    // The consumer can continue the trace: the POST carried the alert's trace id.
    expect(handedOff.headers.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));

    // The workflow's spans leave through its sink when its task completes: wait for the webhook's and the run's.
    const spans = await eventually(async () => {
      const s = spansOf(traceId);
      return s.some((x) => x.name === 'POST downstream webhook') &&
        s.some((x) => x.name === 'RunWorkflow:deliverAlert')
        ? s
        : undefined;
    });
    console.log(`span tree of alert ${alertId} (trace ${traceId}):\n${renderSpanTree(spans)}`);

    const server = one(spans, 'POST /v1/alerts');
    expect(server.parentSpanId).toBe('00f067aa0ba902b7'); // the sender's span, from its traceparent
    expect(ancestry(spans, one(spans, 'StartWorkflow:deliverAlert'))).toEqual(['POST /v1/alerts']);
    expect(ancestry(spans, one(spans, 'RunWorkflow:deliverAlert'))).toEqual([
      'StartWorkflow:deliverAlert',
      'POST /v1/alerts',
    ]);
    expect(ancestry(spans, one(spans, 'agent-app push'))).toEqual([
      'RunActivity:pushToAgentApp',
      'StartActivity:pushToAgentApp',
      'RunWorkflow:deliverAlert',
      'StartWorkflow:deliverAlert',
      'POST /v1/alerts',
    ]);
    const webhook = one(spans, 'POST downstream webhook');
    expect(ancestry(spans, webhook).slice(0, 2)).toEqual([
      'RunActivity:forwardAction',
      'StartActivity:forwardAction',
    ]);
    expect(ancestry(spans, webhook)).toEqual(
      expect.arrayContaining(['RunWorkflow:deliverAlert', 'POST /v1/alerts']),
    );
    // The traceparent the consumer got is the webhook span's own.
    expect(handedOff.headers.traceparent).toBe(`00-${traceId}-${webhook.spanContext().spanId}-01`);

    // Log lines written inside the trace carry its id: the ingress's, and the activity's.
    const lines = logs.lines();
    expect(lines.find((l) => l.msg === 'alert request' && l.alertId === alertId)).toMatchObject({
      trace_id: traceId,
    });
    expect(lines.find((l) => l.msg === 'action forwarded downstream' && l.alertId === alertId)).toMatchObject(
      {
        trace_id: traceId,
      },
    );
    // Outside any trace, no trace_id: the line of the service's start.
    expect(lines.find((l) => l.msg === 'ingress listening')).not.toHaveProperty('trace_id');
    tracedRun = alertId;
  });

  it('the traced run replays on a worker without tracing (OTEL_* unset after a deploy) and with it', async () => {
    const handle = stack.client.workflow.getHandle(tracedRun!);
    await handle.result();
    const history = await handle.fetchHistory();
    await expect(
      Worker.runReplayHistory({ workflowBundle: await workflowBundle(), sinks: alertSinks() }, history),
    ).resolves.toBeUndefined();
    await expect(
      Worker.runReplayHistory(
        {
          workflowBundle: await workflowBundle({ tracing: true }),
          sinks: { ...alertSinks(), ...workflowTracingSinks(tracing) },
        },
        history,
      ),
    ).resolves.toBeUndefined();
  });

  it('an alert that goes to the notifications endpoint traces its Genesys calls under the delivery activity', async () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const alertId = await send(traceId, { target: { userId: b.id } });
    await stack.waitForAlert(alertId, (s) => s.status === 'awaiting_action');
    // The run's span ends (and leaves the workflow) with the run: cancel it.
    await stack.api(`/v1/alerts/${alertId}/cancel`, { body: {} });
    await stack.waitForAlert(alertId, (s) => s.status === 'cancelled');
    const spans = await eventually(async () => {
      const s = spansOf(traceId);
      return s.some((x) => x.name === 'RunWorkflow:deliverAlert') ? s : undefined;
    });
    console.log(`span tree of alert ${alertId} (trace ${traceId}):\n${renderSpanTree(spans)}`);
    const genesys = spans.filter((s) => s.name.startsWith('Genesys '));
    expect(genesys.length).toBeGreaterThan(0);
    for (const call of genesys) {
      const up = ancestry(spans, call);
      expect(up[0]).toMatch(/^RunActivity:/);
      expect(up).toEqual(expect.arrayContaining(['RunWorkflow:deliverAlert', 'POST /v1/alerts']));
    }
  });
});
