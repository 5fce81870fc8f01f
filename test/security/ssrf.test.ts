/**
 * Nothing a caller sends makes the service call an address of its choosing: action URLs are https
 * (and on the allow-list when one is set), a caller's callbackUrl is refused, metadata cannot redirect
 * anything, and the callback, downstream and fallback targets come from configuration only.
 */
import { API_KEY, alertBody, testConfig } from '../api/helpers';
import { startIngressHarness, settledWorkflowCount, type IngressHarness } from './harness';
import { AVAILABLE, OFFLINE, startE2E, waitForAlert, type E2E } from './e2e';
import { CALLBACK_PATH } from '../../src/shared/constants';
import { createLogger } from '../../src/observability/logger';
import { webhookHeaders } from '../../src/shared/standard-webhooks';

jest.setTimeout(60_000);

describe('action URLs and caller-supplied targets (ingress with an allow-list)', () => {
  let h: IngressHarness;
  beforeAll(async () => {
    h = await startIngressHarness({
      config: testConfig({ ingress: { actionUrlAllowedHosts: ['crm.example.com', '*.corp.example'] } }),
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  let n = 0;
  const post = async (body: Record<string, unknown>) => {
    const res = await fetch(`${h.ingress.url}/v1/alerts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ idempotencyKey: `ssrf-${process.pid}-${Date.now()}-${n++}`, ...body }),
    });
    return {
      status: res.status,
      json: (await res.json()) as { errors?: Array<{ field: string; message: string }> },
    };
  };
  const withUrl = (url: string) =>
    alertBody({ actions: [{ id: 'open', label: 'Open', actionType: 'openUrl', url }] });

  test.each([
    'https://crm.example.com/cases/1',
    'https://CRM.Example.COM/cases/1',
    'https://a.corp.example/x',
    'https://b.a.corp.example:8443/x?q=1#frag',
  ])('accepts %s', async (url) => {
    expect((await post(withUrl(url))).status).toBe(202);
  });

  const label = (u: string) => [u.length > 80 ? `${u.slice(0, 40)}... (${u.length} chars)` : u, u];
  test.each(
    [
      'http://crm.example.com/cases/1',
      'ftp://crm.example.com/x',
      'javascript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'file:///etc/passwd',
      '//crm.example.com/relative',
      'https://evil.example/x',
      'https://crm.example.com.evil.example/x',
      'https://evilcrm.example.com/x',
      'https://corp.example/x',
      'https://xcorp.example/x',
      'https://crm.example.com./x',
      'https://user:pw@crm.example.com/x',
      'https://crm.example.com@evil.example/x',
      'https://evil.example\\@crm.example.com/x',
      'https://169.254.169.254/latest/meta-data/',
      'https://127.0.0.1/admin',
      'https://[::1]/admin',
      'https://0x7f.0.0.1/admin',
      `https://crm.example.com/${'a'.repeat(2100)}`,
    ].map(label),
  )('refuses %s', async (_label, url) => {
    const r = await post(withUrl(url));
    expect(r.status).toBe(400);
    expect(r.json.errors?.map((e) => e.field)).toContain('actions.0.url');
  });

  test('without an allow-list, https is still required', async () => {
    const open = await startIngressHarness();
    try {
      const res = await fetch(`${open.ingress.url}/v1/alerts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify(
          alertBody({ actions: [{ label: 'Open', actionType: 'openUrl', url: 'http://169.254.169.254/' }] }),
        ),
      });
      expect(res.status).toBe(400);
    } finally {
      await open.close();
    }
  });

  test.each<[string, Record<string, unknown>, string]>([
    ['a top-level callbackUrl', { callbackUrl: 'https://evil.example/cb' }, 'callbackUrl'],
    [
      'a callbackUrl on an action',
      { actions: [{ label: 'Ack', actionType: 'callback', callbackUrl: 'https://evil.example/cb' }] },
      'actions.0.callbackUrl',
    ],
    [
      'a url on a callback action',
      { actions: [{ label: 'Ack', actionType: 'callback', url: 'https://crm.example.com/x' }] },
      'actions.0.url',
    ],
    [
      'a fallback webhook URL',
      { fallback: { webhookUrl: 'https://evil.example/fb' } },
      'fallback.webhookUrl',
    ],
    ['a downstream URL', { downstreamUrl: 'https://evil.example/ds' }, 'downstreamUrl'],
    [
      'the routing key in metadata',
      { actions: [{ label: 'Ack', actionType: 'callback', metadata: { desktopAlertId: 'alert-victim' } }] },
      'actions.0.metadata.desktopAlertId',
    ],
  ])('refuses %s', async (_what, extra, field) => {
    const before = await h.countWorkflows();
    const r = await post(alertBody(extra));
    expect(r.status).toBe(400);
    expect(r.json.errors?.map((e) => e.field)).toContain(field);
    expect(await settledWorkflowCount(h, before, 500)).toBe(before);
  });
});

describe('end to end: metadata and callbacks cannot redirect the service', () => {
  let e: E2E;
  beforeAll(async () => {
    e = await startE2E({
      logger: createLogger({ level: 'silent', destination: { write: () => undefined } }),
    });
  });
  afterAll(async () => {
    await e?.close();
  });

  test('callback, downstream and fallback traffic goes only to configured addresses', async () => {
    const evil = e.attacker.url;
    const smuggle = {
      callbackUrl: `${evil}/cb`,
      url: `${evil}/u`,
      webhookUrl: `${evil}/wh`,
      downstreamUrl: `${evil}/ds`,
      fallbackUrl: `${evil}/fb`,
      redirect: `${evil}/r`,
    };
    const body = (key: string, userId: string) => ({
      idempotencyKey: key,
      target: { userId },
      title: 'Compliance Review Required',
      message: 'Customer interaction flagged.',
      type: 'warning',
      actions: [
        { id: 'open', label: 'Open', actionType: 'openUrl', url: 'https://crm.example.com/cases/1' },
        { id: 'ack', label: 'Acknowledge', actionType: 'callback', metadata: smuggle },
      ],
      metadata: smuggle,
    });
    const key = `ssrf-e2e-${Date.now().toString(36)}`;

    // Delivered: the desktop is told to call back the service itself, whatever the metadata says.
    const a = await e.api('/v1/alerts', body(`${key}-a`, AVAILABLE.id));
    expect(a.status).toBe(202);
    const sent = await waitForAlert(e, String(a.json.alertId), (s) => s.status === 'awaiting_action');
    const n = e.emulator.control.getNotification(String(sent.notificationId))!;
    expect(n.actions.find((x) => x.actionType === 'callback')!.callbackUrl).toBe(
      `${e.config.ingress.publicBaseUrl}${CALLBACK_PATH}`,
    );
    expect(n.actions.find((x) => x.actionType === 'openUrl')!.url).toBe('https://crm.example.com/cases/1');

    // A signed callback echoing hostile metadata (and trying to re-route itself) is applied to its own
    // alert, and the action goes to the configured downstream consumer only.
    const cb = JSON.stringify({
      notificationId: n.id,
      userId: AVAILABLE.id,
      actionId: 'ack',
      metadata: {
        ...(n.actions[1]!.metadata as Record<string, string>),
        callbackUrl: `${evil}/again`,
        downstream: { url: `${evil}/nested` },
      },
      timestamp: new Date().toISOString(),
    });
    const res = await fetch(`${e.ingress.url}${CALLBACK_PATH}`, {
      method: 'POST',
      body: cb,
      headers: {
        'content-type': 'application/json',
        ...webhookHeaders(e.secrets.signingSecret, `msg-${key}`, cb),
      },
    });
    expect(res.status).toBe(202);
    await waitForAlert(
      e,
      String(a.json.alertId),
      (s) => (s.actions as Array<{ downstream: string }>)[0]?.downstream === 'delivered',
    );
    expect(e.downstream.requests.map((r) => r.path)).toEqual(['/downstream']);

    // Fallback: the agent is offline; the configured webhook gets it, nothing else.
    const b = await e.api('/v1/alerts', body(`${key}-b`, OFFLINE.id));
    expect(b.status).toBe(202);
    await waitForAlert(e, String(b.json.alertId), (s) => s.status === 'fallback_delivered');
    expect(e.fallback.requests.map((r) => r.path)).toEqual(['/fallback']);

    // The emulator's callbacks went to the service only, and the attacker heard nothing at all.
    const click = e.emulator.control.click(n.id, { actionId: 'ack' });
    const delivery = await e.emulator.control.waitForCallback(click.delivery!.id, 10_000);
    expect(delivery.url).toBe(`${e.config.ingress.publicBaseUrl}${CALLBACK_PATH}`);
    expect(e.attacker.requests).toEqual([]);
  });
});
