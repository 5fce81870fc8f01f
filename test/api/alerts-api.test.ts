/**
 * The public HTTP API over real HTTP, against the real service (startService: ingress and workers running the
 * real deliverAlert workflow on the Temporal dev server, toasts sent to the Genesys emulator).
 */
import request from 'supertest';
import { Registry } from 'prom-client';
import { createApp, IngressConfigError } from '../../src/api/app';
import { CallbackInbox } from '../../src/callbacks/inbox';
import type { AlertsClient } from '../../src/alerts';
import {
  AGENT,
  API_KEY,
  OTHER_API_KEY,
  alertBody,
  auth,
  eventually,
  silentLogger,
  startHarness,
  testConfig,
  uniqueKey,
  waitForAlert,
  type Harness,
} from './helpers';

// Generous: every wait on the service polls, and a busy machine only makes it take longer.
jest.setTimeout(120_000);

let h: Harness;
let api: ReturnType<typeof request>;
beforeAll(async () => {
  h = await startHarness();
  api = request(h.ingress.url);
});
afterAll(async () => {
  await h?.close();
});

describe('auth', () => {
  test.each([
    ['no header', {}],
    ['unknown key', { Authorization: 'Bearer nope' }],
    ['wrong scheme', { Authorization: `Basic ${API_KEY}` }],
    ['key with a suffix', { Authorization: `Bearer ${API_KEY}x` }],
  ])('401 without detail: %s', async (_name, headers) => {
    for (const [method, path] of [
      ['post', '/v1/alerts'],
      ['get', '/v1/alerts/alert-x'],
      ['get', '/v1/dead-letters'],
      ['post', '/v1/dead-letters/replay'],
    ] as const) {
      const res = await api[method](path).set(headers).send(alertBody());
      expect(res.status).toBe(401);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body).toMatchObject({ type: '/problems/unauthorized', title: 'Unauthorized', status: 401 });
      expect(res.body.detail).toBeUndefined();
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    }
  });

  test('every configured key works', async () => {
    for (const key of [API_KEY, OTHER_API_KEY]) {
      expect((await api.get('/v1/dead-letters').set(auth(key))).status).toBe(200);
    }
  });

  test('an empty key list is a start-up error unless in development mode', () => {
    const base = {
      alerts: {} as AlertsClient,
      logger: silentLogger,
      registry: new Registry(),
      isReady: async () => true,
    };
    const inbox = new CallbackInbox(':memory:');
    try {
      expect(() => createApp({ ...base, inbox, config: testConfig({ ingress: { apiKeys: [] } }) })).toThrow(
        IngressConfigError,
      );
      expect(() =>
        createApp({
          ...base,
          inbox,
          config: testConfig({ ingress: { apiKeys: [], callbackSigningSecret: undefined } }),
        }),
      ).toThrow(/INGRESS_API_KEYS[\s\S]*CALLBACK_SIGNING_SECRET/);
      expect(() =>
        createApp({
          ...base,
          inbox,
          config: testConfig({ ingress: { apiKeys: [] } }),
          insecureDevMode: true,
        }),
      ).not.toThrow();
    } finally {
      inbox.close();
    }
  });
});

describe('POST /v1/alerts', () => {
  test('202 accepted, then 200 duplicate with the same alertId (body key or Idempotency-Key header)', async () => {
    const key = uniqueKey('api');
    const first = await api
      .post('/v1/alerts')
      .set(auth())
      .send(alertBody({ idempotencyKey: key }));
    expect(first.status).toBe(202);
    expect(first.body).toEqual({ alertId: `alert-${key}`, status: 'accepted' });
    const again = await api.post('/v1/alerts').set(auth()).set('Idempotency-Key', key).send(alertBody());
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ alertId: `alert-${key}`, status: 'duplicate' });
    // Concurrent retries of the same request: still one workflow.
    const burst = await Promise.all(
      [1, 2, 3, 4, 5].map(() =>
        api
          .post('/v1/alerts')
          .set(auth())
          .send(alertBody({ idempotencyKey: key })),
      ),
    );
    expect(burst.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    const runs: string[] = [];
    for await (const wf of h.client.workflow.list({ query: `WorkflowId = "alert-${key}"` }))
      runs.push(wf.runId);
    expect(runs.length).toBeLessThanOrEqual(1); // visibility may lag, but never shows a second run
    const desc = await h.client.workflow.getHandle(`alert-${key}`).describe();
    expect(desc.runId).toBeDefined();
  });

  test('a generated key when none is given; X-Request-Id is echoed and becomes the correlation id', async () => {
    const res = await api.post('/v1/alerts').set(auth()).set('X-Request-Id', 'req-abc-123').send(alertBody());
    expect(res.status).toBe(202);
    expect(res.headers['x-request-id']).toBe('req-abc-123');
    expect(res.body.alertId).toMatch(/^alert-[0-9a-f-]{36}$/);
    const state = await waitForAlert(h.ingress.url, res.body.alertId, (s) => s.status === 'awaiting_action', {
      what: 'awaiting_action',
    });
    expect(state).toMatchObject({
      alertId: res.body.alertId,
      correlationId: 'req-abc-123',
      status: 'awaiting_action',
    });
    const generated = await api.get('/healthz');
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('400 problem+json naming every bad field', async () => {
    const res = await api
      .post('/v1/alerts')
      .set(auth())
      .send({
        ...alertBody({
          title: 't'.repeat(251),
          type: 'urgent',
          expiresAt: new Date(Date.now() - 1000).toISOString(),
        }),
        actions: [
          { id: 'open', label: 'Open', actionType: 'openUrl', url: 'http://crm.example.com/x' },
          { id: 'ack', label: 'Ack', actionType: 'callback', callbackUrl: 'https://attacker.example/' },
        ],
        callbackUrl: 'https://attacker.example/',
        unknownField: 1,
      });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({
      type: '/problems/validation-error',
      status: 400,
      title: expect.any(String),
      instance: '/v1/alerts',
    });
    expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'actions.0.url',
      'actions.1.callbackUrl',
      'callbackUrl',
      'expiresAt',
      'title',
      'type',
      'unknownField',
    ]);
    for (const e of res.body.errors) expect(e.message).toEqual(expect.any(String));
  });

  test('400 for expiresAt beyond 24 h, a conflicting Idempotency-Key, an unconfigured channel', async () => {
    const far = await api
      .post('/v1/alerts')
      .set(auth())
      .send(alertBody({ expiresAt: new Date(Date.now() + 25 * 3600_000).toISOString() }));
    expect(far.body.errors).toEqual([{ field: 'expiresAt', message: 'must be within 24 hours from now' }]);
    const conflict = await api
      .post('/v1/alerts')
      .set(auth())
      .set('Idempotency-Key', 'one')
      .send(alertBody({ idempotencyKey: 'two' }));
    expect(conflict.status).toBe(400);
    expect(conflict.body.errors[0].field).toBe('idempotencyKey');
    const channel = await api
      .post('/v1/alerts')
      .set(auth())
      .send(alertBody({ fallback: { channels: ['email'] } }));
    expect(channel.body.errors).toEqual([
      { field: 'fallback.channels.0', message: "channel 'email' is not configured on this service" },
    ]);
  });

  test('400 naming only `actions` for a 64 KB body of 21,790 actions: refused on the count, no action checked', async () => {
    // The body: tiny `{}` actions up to the body limit. Two share the id "0" (the first's default id is
    // its index): an answer that names `actions.21790.id` would show the per-action checks ran.
    const body = JSON.stringify({
      target: { userId: 'agent-1' },
      title: 't',
      message: 'm',
      type: 'info',
      actions: [...Array.from({ length: 21_790 }, () => ({})), { id: '0' }],
    });
    expect(body.length).toBeLessThanOrEqual(64 * 1024);
    const t0 = performance.now();
    const res = await api.post('/v1/alerts').set(auth()).set('Content-Type', 'application/json').send(body);
    const ms = performance.now() - t0;
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ field: 'actions', message: 'too many actions: at most 5' }]);
    // Information only (timing belongs in the bench): before the pre-check this took about 0.35-0.8 s.
    process.stdout.write(`too-many-actions body (${body.length} bytes) answered in ${ms.toFixed(1)} ms\n`);
  });

  test('400 for malformed JSON and non-object bodies, 413 for oversized bodies', async () => {
    const bad = await api
      .post('/v1/alerts')
      .set(auth())
      .set('Content-Type', 'application/json')
      .send('{"title": ');
    expect(bad.status).toBe(400);
    expect(bad.body.type).toBe('/problems/malformed-json');
    const arr = await api.post('/v1/alerts').set(auth()).send([1, 2]);
    expect(arr.status).toBe(400);
    const text = await api.post('/v1/alerts').set(auth()).set('Content-Type', 'text/plain').send('hello');
    expect(text.status).toBe(415);
    expect(text.body.type).toBe('/problems/unsupported-media-type');
    const big = await api
      .post('/v1/alerts')
      .set(auth())
      .send(alertBody({ message: 'x'.repeat(70_000) }));
    expect(big.status).toBe(413);
  });
});

/** A gRPC status as the SDK's transport reports it (code, details, metadata); the workflow client wraps it. */
function grpcStatus(code: number, details: string): Error {
  return Object.assign(new Error(`${code} ${details}`), { code, details, metadata: { get: () => [] } });
}

describe('POST /v1/alerts when Temporal cannot take the start', () => {
  afterEach(() => jest.restoreAllMocks());

  test('gRPC RESOURCE_EXHAUSTED (rate limited, overloaded) is unavailable: 503 with Retry-After, not a 500', async () => {
    jest
      .spyOn(h.client.workflowService, 'startWorkflowExecution')
      .mockRejectedValueOnce(grpcStatus(8, 'namespace rate limit exceeded'));
    const res = await api
      .post('/v1/alerts')
      .set(auth())
      .send(alertBody({ idempotencyKey: uniqueKey('exhausted') }));
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.body).toMatchObject({ type: '/problems/temporal-unavailable', status: 503 });
  });

  test('a start whose answer was lost: the 503 names the alert and its generated key; a retry with it is a duplicate', async () => {
    // The server starts the run, but the answer does not come back in time (the 3 s call limit): the caller
    // sees a 503 for an alert that exists. With no key of its own it could only retry as a second alert.
    const svc = h.client.workflowService;
    const real = svc.startWorkflowExecution.bind(svc);
    jest.spyOn(svc, 'startWorkflowExecution').mockImplementationOnce(async (req) => {
      await real(req);
      throw grpcStatus(4, 'context deadline exceeded');
    });
    const res = await api.post('/v1/alerts').set(auth()).send(alertBody());
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.body).toMatchObject({
      type: '/problems/temporal-unavailable',
      alertId: expect.stringMatching(/^alert-/),
      idempotencyKey: expect.any(String),
    });
    expect(res.body.alertId).toBe(`alert-${res.body.idempotencyKey}`);
    expect((await h.client.workflow.getHandle(res.body.alertId).describe()).status.name).toBe('RUNNING');
    const retry = await api
      .post('/v1/alerts')
      .set(auth())
      .set('Idempotency-Key', res.body.idempotencyKey)
      .send(alertBody());
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual({ alertId: res.body.alertId, status: 'duplicate' });
    // The caller's own key comes back the same way.
    const key = uniqueKey('lost');
    jest.spyOn(svc, 'startWorkflowExecution').mockRejectedValueOnce(grpcStatus(14, 'connection refused'));
    const own = await api
      .post('/v1/alerts')
      .set(auth())
      .send(alertBody({ idempotencyKey: key }));
    expect(own.status).toBe(503);
    expect(own.body).toMatchObject({ alertId: `alert-${key}`, idempotencyKey: key });
  });

  test('the OpenAPI description of the 503 says what its body carries', async () => {
    const doc = (await api.get('/openapi.json')).body;
    const unavailable = doc.paths['/v1/alerts'].post.responses['503'];
    expect(unavailable.description).toMatch(/idempotencyKey/);
    expect(unavailable.content['application/problem+json'].schema.properties).toMatchObject({
      alertId: expect.any(Object),
      idempotencyKey: expect.any(Object),
    });
  });
});

describe('GET /v1/alerts/:alertId and cancel', () => {
  test('state, 404 unknown, cancel 202 then 409, cancel unknown 404', async () => {
    const key = uniqueKey('cancel');
    await api
      .post('/v1/alerts')
      .set(auth())
      .send(alertBody({ idempotencyKey: key }))
      .expect(202);
    const alertId = `alert-${key}`;
    const s = await api.get(`/v1/alerts/${alertId}`).set(auth());
    expect(s.status).toBe(200);
    expect(s.body).toMatchObject({
      alertId,
      idempotencyKey: key,
      type: 'warning',
      target: { userId: AGENT.id },
    });
    // Once the toast is out, the alert names the notification Genesys (the emulator) created for it.
    const sent = await waitForAlert(h.ingress.url, alertId, (st) => st.status === 'awaiting_action', {
      what: 'awaiting_action',
    });
    const toast = h.emulator.control.listNotifications({ idempotencyKey: key });
    expect(toast.map((n) => [n.id, n.userId])).toEqual([[sent.notificationId, AGENT.id]]);

    expect((await api.get(`/v1/alerts/alert-${uniqueKey('none')}`).set(auth())).status).toBe(404);
    expect((await api.get('/v1/alerts/not%20an%20id').set(auth())).status).toBe(404);

    const c = await api.post(`/v1/alerts/${alertId}/cancel`).set(auth()).send({ reason: 'test' });
    expect(c.status).toBe(202);
    expect(c.body).toEqual({ alertId, status: 'cancelling' });
    const closed = await eventually(async () => {
      const r = await api.get(`/v1/alerts/${alertId}`).set(auth());
      return r.body.status === 'cancelled' ? r : undefined;
    }, 60_000);
    expect(closed.status).toBe(200);
    await eventually(
      async () => (await api.post(`/v1/alerts/${alertId}/cancel`).set(auth())).status === 409,
      60_000,
    );
    const again = await api.post(`/v1/alerts/${alertId}/cancel`).set(auth());
    expect(again.body).toMatchObject({ type: '/problems/conflict', status: 409 });
    expect((await api.post(`/v1/alerts/alert-${uniqueKey('none')}/cancel`).set(auth())).status).toBe(404);
  });
});

describe('operational endpoints', () => {
  test('healthz, readyz, openapi, unknown route', async () => {
    expect((await api.get('/healthz')).body).toEqual({ status: 'ok' });
    expect((await api.get('/readyz')).status).toBe(200);
    const doc = await api.get('/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/v1/alerts',
        '/v1/alerts/{alertId}',
        '/v1/alerts/{alertId}/cancel',
        '/webhooks/desktop-callback',
      ]),
    );
    const req = doc.body.components.schemas.AlertRequest;
    expect(req.properties.title.maxLength).toBe(250);
    expect(req.properties.type.enum).toEqual(['info', 'warning', 'error']);
    expect(req.additionalProperties).toBe(false);
    const nf = await api.get('/nope');
    expect(nf.status).toBe(404);
    expect(nf.body.type).toBe('/problems/not-found');
  });

  test('metrics by route template and status, alerts started by outcome, dead-letter size', async () => {
    await api.post('/v1/alerts').set(auth()).send({ bad: true });
    const m = await api.get('/metrics');
    expect(m.status).toBe(200);
    expect(m.text).toMatch(
      /ingress_http_requests_total\{method="POST",route="\/v1\/alerts",status="202"\} \d+/,
    );
    expect(m.text).toMatch(
      /ingress_http_requests_total\{method="GET",route="\/v1\/alerts\/:alertId",status="404"\} \d+/,
    );
    expect(m.text).toMatch(/alerts_started_total\{outcome="accepted"\} \d+/);
    expect(m.text).toMatch(/alerts_started_total\{outcome="duplicate"\} \d+/);
    expect(m.text).toMatch(/alerts_started_total\{outcome="invalid"\} \d+/);
    expect(m.text).toMatch(/desktop_callback_dead_letters \d+/);
  });
});
