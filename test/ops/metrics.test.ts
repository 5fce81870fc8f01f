/**
 * GET /metrics after real alerts: the ingress's series and the worker's (one registry, as in `npm start`),
 * and the Temporal SDK's own Prometheus endpoint.
 */
import { freePort } from '../../src/dev/temporal';
import { TEST_SIGNING_SECRET } from '../helpers/stack';
import { installTemporalRuntime } from '../../src/observability/temporal-runtime';
import { webhookHeaders } from '../../src/shared/standard-webhooks';
import {
  alertRequest,
  captureLogs,
  oneRateLimitedSend,
  startOpsStack,
  uniqueId,
  type OpsStack,
} from './helpers';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The Prometheus text format's samples (enough of it for these checks). */
function parse(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

const value = (samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined => {
  const hits = samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  return hits.length === 0 ? undefined : hits.reduce((a, s) => a + s.value, 0);
};

describe('metrics', () => {
  const agent = {
    id: uniqueId('metrics-agent'),
    name: 'Jordan Smith',
    email: 'jordan.smith@example.com',
    presence: 'Available',
  };
  let stack: OpsStack;
  let sdkMetricsUrl: string;
  const NOTIFY = 'POST /api/v2/desktop/notifications';

  beforeAll(async () => {
    const bind = `127.0.0.1:${await freePort()}`;
    const r = installTemporalRuntime(captureLogs('warn').logger, { metricsBindAddress: bind });
    expect(r).toEqual({ installed: true, metricsBindAddress: bind });
    sdkMetricsUrl = `http://${bind}/metrics`;
    stack = await startOpsStack({ users: [agent], genesysGate: true });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('covers alerts started, callbacks, dead letters, alerts finished, stage latencies, Genesys calls and 429s', async () => {
    // One 429 from Genesys on the send: retried after Retry-After, then 201.
    oneRateLimitedSend(stack);
    const key = uniqueId('metrics');
    const body = alertRequest({ target: { userId: agent.id }, idempotencyKey: key });
    expect((await stack.api('/v1/alerts', { body })).status).toBe(202);
    expect((await stack.api('/v1/alerts', { body })).status).toBe(200);
    expect(
      (await stack.api('/v1/alerts', { body: { ...body, type: 'urgent', idempotencyKey: uniqueId('bad') } }))
        .status,
    ).toBe(400);

    const emu = stack.emulator.control;
    let notificationId: string | undefined;
    for (let i = 0; i < 100 && !notificationId; i++) {
      notificationId = emu.listNotifications({ idempotencyKey: key })[0]?.id;
      if (!notificationId) await new Promise((r) => setTimeout(r, 100));
    }
    const click = emu.click(notificationId!, { actionId: 'ack' });
    await emu.waitForCallback(click.delivery!.id, 10_000);
    await stack.waitForAlert(`alert-${key}`, (s) => s.status === 'actioned');

    // A forged callback: refused, counted.
    const forged = JSON.stringify({
      notificationId: 'n',
      userId: 'u',
      actionId: 'a',
      metadata: {},
      timestamp: new Date().toISOString(),
    });
    const h = webhookHeaders(TEST_SIGNING_SECRET.replace(/.$/, 'A'), 'msg_forged', forged);
    const res = await fetch(`${stack.ingress.url}/webhooks/desktop-callback`, {
      method: 'POST',
      headers: { ...h, 'content-type': 'application/json' },
      body: forged,
    });
    expect(res.status).toBe(401);

    // The sink call for 'actioned' runs right after the workflow task, and the relay counts 'applied' once it
    // hears back from Temporal: poll the scrape briefly for both.
    let m: Sample[] = [];
    for (let i = 0; i < 50; i++) {
      const scrape = await fetch(`${stack.ingress.url}/metrics`);
      expect(scrape.headers.get('content-type')).toMatch(/^text\/plain/);
      m = parse(await scrape.text());
      if (
        value(m, 'alerts_finished_total', { status: 'actioned' }) &&
        value(m, 'desktop_callback_relay_total', { outcome: 'applied' })
      )
        break;
      await new Promise((r) => setTimeout(r, 100));
    }

    // Ingress
    expect(value(m, 'alerts_started_total', { outcome: 'accepted' })).toBe(1);
    expect(value(m, 'alerts_started_total', { outcome: 'duplicate' })).toBe(1);
    expect(value(m, 'alerts_started_total', { outcome: 'invalid' })).toBe(1);
    expect(value(m, 'desktop_callback_acks_total', { outcome: 'accepted' })).toBe(1);
    expect(value(m, 'desktop_callback_acks_total', { outcome: 'invalid_signature' })).toBe(1);
    expect(value(m, 'desktop_callback_ack_seconds_count', { outcome: 'accepted' })).toBe(1);
    // In seconds, and measured (how fast is the bench's ack p99, not an assertion on this busy machine's clock).
    expect(value(m, 'desktop_callback_ack_seconds_sum', { outcome: 'accepted' })).toBeGreaterThan(0);
    expect(value(m, 'desktop_callback_relay_total', { outcome: 'applied' })).toBe(1);
    expect(value(m, 'desktop_callback_dead_letters')).toBe(0);

    // Worker: outcomes and stages
    expect(value(m, 'alerts_finished_total', { status: 'actioned', type: 'warning', priority: 'high' })).toBe(
      1,
    );
    expect(value(m, 'alert_stage_duration_seconds_count', { stage: 'accepted_to_sent' })).toBe(1);
    expect(value(m, 'alert_stage_duration_seconds_count', { stage: 'sent_to_actioned' })).toBe(1);
    // The 429's Retry-After (1 s) is inside accepted->sent.
    const toSent = value(m, 'alert_stage_duration_seconds_sum', { stage: 'accepted_to_sent' })!;
    expect(toSent).toBeGreaterThanOrEqual(0.9);
    expect(toSent).toBeLessThan(20);
    expect(value(m, 'alert_stage_duration_seconds_sum', { stage: 'sent_to_actioned' })).toBeLessThan(20);
    expect(value(m, 'alert_duration_seconds_count', { status: 'actioned' })).toBe(1);

    // Worker: Genesys calls by endpoint and status, 429s
    expect(value(m, 'genesys_requests_total', { endpoint: NOTIFY, status: '429' })).toBe(1);
    expect(value(m, 'genesys_requests_total', { endpoint: NOTIFY, status: '201' })).toBe(1);
    expect(
      value(m, 'genesys_requests_total', { endpoint: 'POST /oauth/token', status: '200' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      value(m, 'genesys_requests_total', {
        endpoint: 'GET /api/v2/users/presences/purecloud/bulk',
        status: '200',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(value(m, 'genesys_rate_limited_total', { endpoint: NOTIFY })).toBe(1);
    expect(value(m, 'genesys_request_duration_seconds_count', { endpoint: NOTIFY })).toBe(2);
    // Every gated call's wait at the throttle (the look-ups and both sends), by the alert's priority key.
    const gateWaits = m.filter((s) => s.name === 'genesys_gate_wait_seconds_count');
    expect(gateWaits.reduce((n, s) => n + s.value, 0)).toBeGreaterThanOrEqual(3);
    expect(gateWaits.every((s) => /^[1-5]$/.test(s.labels.priority_key ?? ''))).toBe(true);
    // What the emulator saw agrees with what the client counted.
    expect(emu.listRequests({ pathPrefix: '/api/v2/desktop/notifications' }).map((r) => r.status)).toEqual([
      429, 201,
    ]);
  });

  it("serves the Temporal SDK's own metrics on their own port", async () => {
    const res = await fetch(sdkMetricsUrl);
    expect(res.status).toBe(200);
    const m = parse(await res.text());
    const names = new Set(m.map((s) => s.name));
    // Task latencies and outcomes from the worker's core.
    expect([...names].some((n) => n.startsWith('temporal_workflow_task_'))).toBe(true);
    expect([...names].some((n) => n.startsWith('temporal_activity_execution_'))).toBe(true);
    expect(
      value(m, 'temporal_workflow_task_execution_latency_count', { workflow_type: 'deliverAlert' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      value(m, 'temporal_activity_succeed_endtoend_latency_count', { activity_type: 'deliverToDesktop' }),
    ).toBe(1);
  });
});
