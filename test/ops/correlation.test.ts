/**
 * One alert's life in the logs: every line about it, from the HTTP request through the workflow, the
 * activities and the Genesys call to the callback's relay and the downstream hand-off, carries the one
 * correlation id the request came with (X-Request-Id), and the Genesys call's ININ-Correlation-Id sits
 * next to it.
 */
import { installTemporalRuntime } from '../../src/observability/temporal-runtime';
import { captureLogs, alertRequest, startOpsStack, uniqueId, type OpsStack } from './helpers';

// Before anything else in this file touches the Runtime: the SDK's logs (workflow `log`, activity
// failures) must reach the captured logger too.
const capture = captureLogs('debug');
installTemporalRuntime(capture.logger, { level: 'INFO' });

describe('correlation id across one alert', () => {
  const agent = {
    id: uniqueId('corr-agent'),
    name: 'Jordan Smith',
    email: 'jordan.smith@example.com',
    presence: 'Available',
  };
  let stack: OpsStack;

  beforeAll(async () => {
    stack = await startOpsStack({ users: [agent], logger: capture.logger });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('is the same on every line from the request to the callback and downstream', async () => {
    const correlationId = uniqueId('req');
    const key = uniqueId('corr');
    // The first send fails (503), so the failure lines (Genesys client, activity, SDK) are in the picture too.
    stack.emulator.control.forceStatus({
      status: 503,
      count: 1,
      method: 'POST',
      pathPrefix: '/api/v2/desktop/notifications',
    });
    const sent = await stack.api('/v1/alerts', {
      body: alertRequest({ target: { email: agent.email }, idempotencyKey: key }),
      headers: { 'x-request-id': correlationId },
    });
    expect(sent.status).toBe(202);
    expect(sent.headers.get('x-request-id')).toBe(correlationId);
    const alertId = sent.json.alertId as string;

    // The agent clicks: the emulator sends the signed callback to the ingress, the relay applies it.
    const emu = stack.emulator.control;
    const notification = await eventually(() => emu.listNotifications({ idempotencyKey: key })[0]);
    const click = emu.click(notification.id, { actionId: 'ack' });
    await expect(emu.waitForCallback(click.delivery!.id, 10_000)).resolves.toMatchObject({
      status: 'delivered',
    });
    const state = await stack.waitForAlert(
      alertId,
      (s) =>
        s.status === 'actioned' && (s.actions as { downstream: string }[])[0]?.downstream === 'delivered',
    );
    expect(state.correlationId).toBe(correlationId);
    // The downstream consumer gets it too.
    expect(
      stack.downstream.requests.map((r) => (r.json as { correlationId?: string }).correlationId),
    ).toEqual([correlationId]);

    const lines = await eventually(() => {
      const all = capture.lines();
      return all.some((l) => l.msg === 'alert finished' && l.alertId === alertId) ? all : undefined;
    });
    const mentions = (l: Record<string, unknown>, v: string) => JSON.stringify(l).includes(v);
    const about = lines.filter(
      (l) =>
        mentions(l, alertId) ||
        mentions(l, notification.id) ||
        mentions(l, key) ||
        mentions(l, correlationId),
    );
    // The request's own access line carries the id as its requestId; every later line as correlationId.
    const access = about.filter((l) => l.msg === 'http request');
    expect(access).toEqual([
      expect.objectContaining({ requestId: correlationId, route: '/v1/alerts', status: 202 }),
    ]);
    const rest = about.filter((l) => l.msg !== 'http request');
    const wrong = rest.filter((l) => l.correlationId !== correlationId);
    expect(wrong).toEqual([]);

    // Each stage is there: ingress, activity, Genesys call, relay, downstream, workflow.
    const msgs = rest.map((l) => l.msg);
    for (const m of [
      'alert request',
      'desktop delivery attempt failed',
      'Activity failed',
      'notification sent',
      'Genesys call succeeded',
      'callback applied',
      'action forwarded downstream',
      'alert finished',
    ]) {
      expect(msgs).toContain(m);
    }

    // The Genesys send: our id next to Genesys's own, which is the one the emulator logged for that POST.
    const send = rest.find(
      (l) =>
        l.msg === 'Genesys call succeeded' && String(l.op).startsWith('POST /api/v2/desktop/notifications'),
    );
    expect(send).toMatchObject({ correlationId, status: 201, ininCorrelationId: expect.any(String) });
    const posts = emu.listRequests({ pathPrefix: '/api/v2/desktop/notifications', method: 'POST' });
    expect(posts.map((p) => p.correlationId)).toContain(send!.ininCorrelationId);

    // The relay names the callback's own HTTP request too, so both ids lead to each other.
    const relay = rest.find((l) => l.msg === 'callback applied');
    expect(relay).toMatchObject({ alertId, correlationId, requestId: expect.any(String) });
    expect(relay!.requestId).not.toBe(correlationId);

    // The Genesys worker has no workflows by design: the SDK's start-up warning about it is not an operator's
    // concern (DEBUG, below this runtime's INFO), while real SDK warnings still come through (the failed activity).
    expect(lines.filter((l) => String(l.msg).startsWith('No workflows registered'))).toEqual([]);
    expect(
      lines.filter((l) => l.component === 'temporal' && l.msg === 'Activity failed').length,
    ).toBeGreaterThan(0);
  });
});

async function eventually<T>(
  fn: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
