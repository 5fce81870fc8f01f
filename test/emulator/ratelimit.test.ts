import { call, getToken, NOTIFICATIONS, notificationBody, setup } from './helpers';

describe('emulator: rate limit per OAuth client', () => {
  let ctx: Awaited<ReturnType<typeof setup>>;
  beforeAll(async () => {
    ctx = await setup({
      rateLimitPerMinute: 5,
      clients: [
        { clientId: 'emulator-client', clientSecret: 'emulator-secret' },
        { clientId: 'second', clientSecret: 'second-secret' },
      ],
      users: [{ id: 'u-1', name: 'Jordan', email: 'jordan@company.com' }],
    });
  });
  afterAll(() => ctx.emu.close());

  it('counts every API endpoint against one budget and answers 429 with Retry-After', async () => {
    ctx.control.reset();
    const token = await getToken(ctx.emu.url);
    const api = (method: string, path: string, json?: unknown) =>
      call(ctx.emu.url, method, path, { token, json });
    const statuses = [
      (await api('GET', '/api/v2/users/u-1')).status,
      (
        await api('POST', '/api/v2/users/search', {
          query: [{ type: 'EXACT', fields: ['email'], value: 'jordan@company.com' }],
        })
      ).status,
      (await api('GET', '/api/v2/users/u-1/routingstatus')).status,
      (await api('POST', NOTIFICATIONS, notificationBody())).status,
      (await api('GET', '/api/v2/users/presences/purecloud/bulk?id=u-1')).status,
    ];
    expect(statuses).toEqual([200, 200, 200, 201, 200]);
    // tokens do not spend the budget
    const token2 = await getToken(ctx.emu.url);
    expect(token2).toBeTruthy();

    const limited = await api('GET', '/api/v2/users/u-1');
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({
      status: 429,
      code: 'too.many.requests.retry.after',
      message: expect.any(String),
      contextId: expect.any(String),
    });
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(limited.headers.get('inin-ratelimit-allowed')).toBe('5');
    expect(Number(limited.headers.get('inin-ratelimit-count'))).toBeGreaterThan(5);
    expect(limited.headers.get('inin-ratelimit-reset')).toBeTruthy();
    expect((await api('POST', NOTIFICATIONS, notificationBody())).status).toBe(429);
    // the budget is per client: another client is not throttled
    const other = await getToken(ctx.emu.url, { clientId: 'second', clientSecret: 'second-secret' });
    expect((await call(ctx.emu.url, 'GET', '/api/v2/users/u-1', { token: other })).status).toBe(200);

    // rejected calls are logged and counted
    const log = ctx.control.listRequests({ status: 429 });
    expect(log).toHaveLength(2);
    expect(log[0]).toMatchObject({ clientId: 'emulator-client', fault: 'ratelimit' });
    expect(ctx.control.stats().rateLimited).toBe(2);
    expect(ctx.control.stats().requests.byStatus['429']).toBe(2);
  });

  it('successful answers carry the inin-ratelimit headers', async () => {
    ctx.control.reset();
    const token = await getToken(ctx.emu.url);
    const res = await call(ctx.emu.url, 'GET', '/api/v2/users/u-1', { token });
    expect(res.headers.get('inin-ratelimit-allowed')).toBe('5');
    expect(res.headers.get('inin-ratelimit-count')).toBe('1');
  });

  it('the limit is configurable at runtime, 0 turns it off', async () => {
    ctx.control.reset();
    const token = await getToken(ctx.emu.url);
    const put = await call(ctx.emu.url, 'PUT', '/__emulator/config', { json: { rateLimitPerMinute: 0 } });
    expect(put.body).toMatchObject({ rateLimitPerMinute: 0 });
    for (let i = 0; i < 20; i++)
      expect((await call(ctx.emu.url, 'GET', '/api/v2/users/u-1', { token })).status).toBe(200);
    ctx.control.setConfig({ rateLimitPerMinute: 2 });
    const s = [];
    for (let i = 0; i < 3; i++)
      s.push((await call(ctx.emu.url, 'GET', '/api/v2/users/u-1', { token })).status);
    expect(s).toEqual([200, 200, 429]);
  });

  it('the window slides: a slot frees 60 s after the call that took it', async () => {
    ctx.control.reset();
    jest.useFakeTimers({
      doNotFake: [
        'nextTick',
        'setImmediate',
        'setTimeout',
        'clearTimeout',
        'setInterval',
        'clearInterval',
        'queueMicrotask',
        'performance',
      ],
    });
    try {
      const token = await getToken(ctx.emu.url);
      ctx.control.setConfig({ rateLimitPerMinute: 2 });
      const get = async () => (await call(ctx.emu.url, 'GET', '/api/v2/users/u-1', { token })).status;
      expect(await get()).toBe(200);
      jest.setSystemTime(Date.now() + 30_000);
      expect(await get()).toBe(200);
      const limited = await call(ctx.emu.url, 'GET', '/api/v2/users/u-1', { token });
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBe(30);
      jest.setSystemTime(Date.now() + 30_001);
      expect(await get()).toBe(200);
      expect(await get()).toBe(429);
    } finally {
      jest.useRealTimers();
    }
  });

  it('control calls are neither rate limited nor logged', async () => {
    ctx.control.reset();
    ctx.control.setConfig({ rateLimitPerMinute: 1 });
    for (let i = 0; i < 5; i++)
      expect((await call(ctx.emu.url, 'GET', '/__emulator/stats')).status).toBe(200);
    expect(ctx.control.listRequests()).toHaveLength(0);
  });
});
