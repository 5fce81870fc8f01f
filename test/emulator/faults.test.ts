import { eventually } from '../helpers/eventually';
import { call, getToken, NOTIFICATIONS, notificationBody, setup } from './helpers';

describe('emulator: fault injection and inspection', () => {
  let ctx: Awaited<ReturnType<typeof setup>>;
  let token: string;
  const api = (method: string, path: string, json?: unknown) =>
    call(ctx.emu.url, method, path, { token, json });
  const getUser = async () => (await api('GET', '/api/v2/users/u-1')).status;

  beforeAll(async () => {
    ctx = await setup({ rateLimitPerMinute: 0 });
  });
  afterAll(() => ctx.emu.close());
  beforeEach(async () => {
    ctx.control.reset();
    ctx.control.setConfig({ rateLimitPerMinute: 0 });
    ctx.control.addUser({ id: 'u-1', name: 'Jordan', email: 'jordan@company.com' });
    token = await getToken(ctx.emu.url);
  });

  it('error rate: every call answers the chosen 5xx (default 503), with a Genesys body', async () => {
    ctx.control.setFaults({ errorRate: 1 });
    const res = await api('GET', '/api/v2/users/u-1');
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({
      status: 503,
      code: 'service.unavailable',
      contextId: res.headers.get('inin-correlation-id'),
    });
    // the token endpoint is spared by default
    expect(await getToken(ctx.emu.url)).toBeTruthy();
    ctx.control.setFaults({ errorStatus: 500 });
    expect(await getUser()).toBe(500);
    expect(ctx.control.listRequests({ status: 500 })[0]).toMatchObject({ fault: 'error-rate' });
  });

  it('error rate is a fraction, optionally per path prefix', async () => {
    ctx.control.setFaults({ errorRate: 0.5 });
    let errors = 0;
    for (let i = 0; i < 200; i++) if ((await getUser()) === 503) errors++;
    expect(errors).toBeGreaterThan(60);
    expect(errors).toBeLessThan(140);
    ctx.control.setFaults({ errorRate: 1, errorPathPrefix: NOTIFICATIONS });
    expect(await getUser()).toBe(200);
    expect((await api('POST', NOTIFICATIONS, notificationBody())).status).toBe(503);
    expect(ctx.control.listNotifications()).toHaveLength(0);
  });

  it('forced statuses: the next N matching calls, with Retry-After', async () => {
    const rule = ctx.control.forceStatus({
      status: 502,
      count: 2,
      method: 'post',
      pathPrefix: NOTIFICATIONS,
    });
    expect(rule).toMatchObject({ status: 502, remaining: 2, method: 'POST' });
    expect(await getUser()).toBe(200); // does not match
    expect((await api('POST', NOTIFICATIONS, notificationBody())).status).toBe(502);
    expect((await api('POST', NOTIFICATIONS, notificationBody())).status).toBe(502);
    expect((await api('POST', NOTIFICATIONS, notificationBody())).status).toBe(201);
    expect(ctx.control.getFaults().forced).toHaveLength(0);

    ctx.control.forceStatus({ status: 429, count: 1, retryAfterSeconds: 7 });
    const limited = await api('GET', '/api/v2/users/u-1');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(limited.body).toMatchObject({ status: 429, code: 'too.many.requests.retry.after' });

    // the token endpoint can be targeted too
    ctx.control.forceStatus({ status: 503, pathPrefix: '/oauth/token' });
    await expect(getToken(ctx.emu.url)).rejects.toThrow(/503/);
    expect(await getToken(ctx.emu.url)).toBeTruthy();
  });

  it('429 bursts', async () => {
    ctx.control.burst429({ count: 3, retryAfterSeconds: 2 });
    const statuses = [await getUser(), await getUser(), await getUser(), await getUser()];
    expect(statuses).toEqual([429, 429, 429, 200]);
    expect(ctx.control.listRequests({ status: 429 }).every((r) => r.fault === 'forced')).toBe(true);
    expect(ctx.control.stats().faultsInjected).toBe(3);
  });

  it('fixed latency delays every answer (the call is still processed)', async () => {
    ctx.control.setFaults({ latencyMs: 150 });
    const t0 = Date.now();
    const res = await api('POST', NOTIFICATIONS, notificationBody());
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    expect(res.status).toBe(201);
    expect(ctx.control.listRequests({ pathPrefix: NOTIFICATIONS })[0]!.latencyMs).toBeGreaterThanOrEqual(140);
  });

  it('a fraction of calls can be slowed past a client time-out (processed nonetheless)', async () => {
    // Slowed far past the client's patience: the answer cannot arrive before the client gives up.
    ctx.control.setFaults({ slowRate: 1, slowMs: 60_000 });
    const body = notificationBody({ idempotencyKey: 'slow-key' });
    const client = new AbortController();
    const sent = fetch(`${ctx.emu.url}${NOTIFICATIONS}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: client.signal,
    });
    // The client gives up once the call has reached the emulator (its record), not after a fixed time that a
    // stalled test process could spend before the request is even read.
    await eventually(
      () => ctx.control.listNotifications({ idempotencyKey: 'slow-key' }).length === 1,
      20_000,
      5,
    );
    client.abort();
    await expect(sent).rejects.toThrow();
    expect(ctx.control.listNotifications({ idempotencyKey: 'slow-key' })).toHaveLength(1);
    // The client never had an answer: the emulator has not answered it (an answered call is in the request log).
    expect(ctx.control.listRequests({ pathPrefix: NOTIFICATIONS })).toEqual([]);
    ctx.control.setFaults({ slowRate: 0 });
    // the client's retry with the same key gets the original
    const retry = await api('POST', NOTIFICATIONS, body);
    expect(retry.status).toBe(200);
    expect(ctx.control.listNotifications({ idempotencyKey: 'slow-key' })[0]!.posts).toBe(2);
  });

  it('a reset forgets calls still in flight: their late answers are not logged into the new state', async () => {
    ctx.control.setFaults({ latencyMs: 300 });
    const inFlight = api('POST', NOTIFICATIONS, notificationBody({ idempotencyKey: 'before-reset' }));
    await eventually(
      () => ctx.control.listNotifications({ idempotencyKey: 'before-reset' }).length === 1,
      5_000,
      5,
    );
    ctx.control.reset(); // while the answer is still held by the latency fault
    expect((await inFlight).status).toBe(201); // the client still gets its answer
    expect(ctx.control.listRequests()).toEqual([]);
    expect(ctx.control.stats().requests.total).toBe(0);
    expect(ctx.control.requestRate()).toMatchObject({ total: 0, buckets: [] });
  });

  it('presence left out of the expand (best effort, GENESYS.md), on search and GET user; the presence API still answers', async () => {
    const search = () =>
      api('POST', '/api/v2/users/search', {
        query: [{ type: 'EXACT', fields: ['email'], value: 'jordan@company.com' }],
        expand: ['routingStatus', 'presence'],
      });
    const getExpanded = () => api('GET', '/api/v2/users/u-1?expand=routingStatus,presence');
    expect(((await search()).body as { results: Record<string, unknown>[] }).results[0]).toHaveProperty(
      'presence',
    );

    ctx.control.setFaults({ presenceExpandOmitRate: 1 });
    const [user] = ((await search()).body as { results: Record<string, unknown>[] }).results;
    expect(user).toMatchObject({ id: 'u-1', routingStatus: { status: 'IDLE' } });
    expect(user).not.toHaveProperty('presence');
    const got = (await getExpanded()).body as Record<string, unknown>;
    expect(got).toMatchObject({ id: 'u-1', routingStatus: { status: 'IDLE' } });
    expect(got).not.toHaveProperty('presence');
    const bulk = await api('GET', '/api/v2/users/presences/purecloud/bulk?id=u-1');
    expect(bulk.body).toMatchObject([{ userId: 'u-1', presenceDefinition: { systemPresence: 'AVAILABLE' } }]);
    expect(ctx.control.listRequests({ pathPrefix: '/api/v2/users/u-1' }).at(-1)).toMatchObject({
      fault: 'presence-omitted',
    });

    // Over the control API too, and gone after a reset.
    expect(
      (await call(ctx.emu.url, 'PUT', '/__emulator/faults', { json: { presenceExpandOmitRate: 2 } })).status,
    ).toBe(400);
    ctx.control.reset();
    expect(ctx.control.getFaults().presenceExpandOmitRate).toBe(0);
  });

  it('faults over the control HTTP API, cleared by reset', async () => {
    const put = await call(ctx.emu.url, 'PUT', '/__emulator/faults', {
      json: { errorRate: 1, errorStatus: 504 },
    });
    expect(put.body).toMatchObject({ errorRate: 1, errorStatus: 504 });
    expect(await getUser()).toBe(504);
    expect((await call(ctx.emu.url, 'PUT', '/__emulator/faults', { json: { errorRate: 2 } })).status).toBe(
      400,
    );
    expect((await call(ctx.emu.url, 'PUT', '/__emulator/faults', { json: { bogus: 1 } })).status).toBe(400);
    await call(ctx.emu.url, 'DELETE', '/__emulator/faults');
    expect(await getUser()).toBe(200);

    expect(
      (await call(ctx.emu.url, 'POST', '/__emulator/faults/force', { json: { status: 500, count: 1 } }))
        .status,
    ).toBe(201);
    expect(await getUser()).toBe(500);
    await call(ctx.emu.url, 'POST', '/__emulator/faults/burst429', {
      json: { count: 1, retryAfterSeconds: 3 },
    });
    expect(await getUser()).toBe(429);
    await call(ctx.emu.url, 'POST', '/__emulator/faults/presence-flip', { json: { userId: 'u-1' } });
    expect((await api('POST', NOTIFICATIONS, notificationBody())).status).toBe(409);

    ctx.control.setFaults({ errorRate: 1, latencyMs: 10 });
    ctx.control.forceStatus({ status: 500, count: 10 });
    expect((await call(ctx.emu.url, 'POST', '/__emulator/reset')).status).toBe(200);
    expect(ctx.control.getFaults()).toMatchObject({
      errorRate: 0,
      latencyMs: 0,
      forced: [],
      presenceFlipUsers: [],
    });
  });

  it('request log, stats and outbound rate per 1-second window', async () => {
    ctx.control.reset();
    ctx.control.addUser({ id: 'u-1', name: 'Jordan', email: 'jordan@company.com' });
    token = await getToken(ctx.emu.url);
    const key = 'dup-key';
    await api('POST', NOTIFICATIONS, notificationBody({ idempotencyKey: key }));
    await api('POST', NOTIFICATIONS, notificationBody({ idempotencyKey: key }));
    await api('GET', '/api/v2/users/u-1');
    await api('GET', '/api/v2/users/nobody');

    const log = ctx.control.listRequests();
    expect(log.map((r) => [r.method, r.path, r.status])).toEqual([
      ['POST', '/oauth/token', 200],
      ['POST', NOTIFICATIONS, 201],
      ['POST', NOTIFICATIONS, 200],
      ['GET', '/api/v2/users/u-1', 200],
      ['GET', '/api/v2/users/nobody', 404],
    ]);
    expect(log[1]).toMatchObject({
      clientId: 'emulator-client',
      route: `POST ${NOTIFICATIONS}`,
      correlationId: expect.any(String),
    });
    expect(log[3]!.route).toBe('GET /api/v2/users/{userId}');
    expect(log[1]!.at % 1).not.toBe(0); // sub-millisecond resolution (almost surely)
    expect(ctx.control.listRequests({ sinceSeq: log[2]!.seq })).toHaveLength(2);
    expect(ctx.control.listRequests({ limit: 1 })[0]!.path).toBe('/api/v2/users/nobody');

    const stats = ctx.control.stats();
    expect(stats.requests).toMatchObject({ total: 5, byStatus: { '200': 3, '201': 1, '404': 1 } });
    expect(stats.requests.byRoute['GET /api/v2/users/{userId}']).toEqual({
      total: 2,
      byStatus: { '200': 1, '404': 1 },
    });
    expect(stats.notifications).toMatchObject({
      created: 1,
      duplicatesSuppressed: 1,
      byStatus: { shown: 1 },
    });

    const rate = ctx.control.requestRate({ pathPrefix: '/api/', windowMs: 1000 });
    expect(rate.total).toBe(4);
    expect(rate.max).toBe(4);
    const http = await call(
      ctx.emu.url,
      'GET',
      '/__emulator/requests/rate?pathPrefix=/api/v2/desktop&statuses=201',
    );
    expect(http.body).toMatchObject({ windowMs: 1000, total: 1, max: 1 });
    const httpLog = await call(ctx.emu.url, 'GET', '/__emulator/requests?method=GET');
    expect(httpLog.body).toHaveLength(2);
    const httpStats = await call(ctx.emu.url, 'GET', '/__emulator/stats');
    expect(httpStats.body).toMatchObject({ requests: { total: 5 } });
  });

  it('the request log is bounded', async () => {
    const small = await setup({ maxRequestLog: 3, rateLimitPerMinute: 0 });
    try {
      for (let i = 0; i < 5; i++) await small.api('GET', '/api/v2/users/x/routingstatus');
      const log = small.control.listRequests();
      expect(log).toHaveLength(3);
      expect(log.map((r) => r.seq)).toEqual([4, 5, 6]);
      expect(small.control.stats().requests.total).toBe(6);
    } finally {
      await small.emu.close();
    }
  });

  it('unknown control routes answer 404 and bad values 400', async () => {
    expect((await call(ctx.emu.url, 'GET', '/__emulator/nothing')).status).toBe(404);
    expect(
      (await call(ctx.emu.url, 'PUT', '/__emulator/config', { json: { rateLimitPerMinute: -1 } })).status,
    ).toBe(400);
    expect(
      (await call(ctx.emu.url, 'PUT', '/__emulator/config', { json: { callbackSigningSecret: 'whsec_%%%' } }))
        .status,
    ).toBe(400);
    expect(
      (
        await call(ctx.emu.url, 'POST', '/__emulator/users', {
          raw: '{',
          headers: { 'content-type': 'application/json' },
        })
      ).status,
    ).toBe(400);
  });
});
