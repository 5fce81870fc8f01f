import { call, getToken, NOTIFICATIONS, notificationBody, setup } from './helpers';

const future = () => new Date(Date.now() + 3600_000).toISOString();

describe('emulator: desktop notifications', () => {
  let ctx: Awaited<ReturnType<typeof setup>>;
  const send = (overrides: Record<string, unknown> = {}) =>
    ctx.api('POST', NOTIFICATIONS, notificationBody(overrides));
  /** The emulator's expiry clock runs this far ahead of the real one: tests step past an expiry, not sleep. */
  let clockAheadMs = 0;
  beforeAll(async () => {
    ctx = await setup({ rateLimitPerMinute: 0, now: () => Date.now() + clockAheadMs });
  });
  afterAll(() => ctx.emu.close());
  beforeEach(() => {
    clockAheadMs = 0;
    ctx.control.reset();
    ctx.control.addUser({ id: 'u-1', name: 'Jordan', email: 'jordan@company.com' });
    ctx.control.addUser({ id: 'u-off', name: 'Sam', email: 'sam@company.com', presence: 'Offline' });
    ctx.control.addUser({ id: 'u-inactive', name: 'Pat', email: 'pat@company.com', state: 'inactive' });
    ctx.control.addUser({ id: 'u-deleted', name: 'Del', email: 'del@company.com', state: 'deleted' });
  });
  // reset() revokes tokens: get a fresh one for each test
  beforeEach(async () => {
    const token = await getToken(ctx.emu.url);
    ctx.api = (method, path, json, extra = {}) =>
      call(ctx.emu.url, method, path, { token: extra.token ?? token, json, headers: extra.headers });
  });

  it('creates a notification: 201 {id, status: queued, userId}', async () => {
    const body = notificationBody({
      actions: [
        { id: 'open', label: 'Open Case', actionType: 'openUrl', url: 'https://crm.example.com/cases/1' },
        {
          id: 'ack',
          label: 'Acknowledge',
          actionType: 'callback',
          callbackUrl: 'https://svc.example.com/webhooks/desktop-callback',
          metadata: { alertId: 'a-1' },
        },
      ],
      expiresAt: future(),
    });
    const res = await ctx.api('POST', NOTIFICATIONS, body);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      id: expect.any(String),
      status: 'queued',
      userId: 'u-1',
      idempotencyKey: body.idempotencyKey,
    });
    expect(res.headers.get('inin-correlation-id')).toBeTruthy();
    const stored = ctx.control.getNotification(res.body.id as string);
    expect(stored).toMatchObject({
      status: 'shown',
      deliverable: true,
      posts: 1,
      title: body.title,
      actions: body.actions,
      expiresAt: body.expiresAt,
    });
  });

  describe('schema validation (400, every problem listed)', () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ['missing userId', { userId: undefined }, 'userId'],
      ['missing title', { title: undefined }, 'title'],
      ['missing message', { message: undefined }, 'message'],
      ['missing type', { type: undefined }, 'type'],
      ['unknown type', { type: 'critical' }, 'type'],
      ['empty title', { title: '  ' }, 'title'],
      ['title not a string', { title: 42 }, 'title'],
      ['title of 251 characters', { title: 'x'.repeat(251) }, 'title'],
      ['message of 251 characters', { message: 'y'.repeat(251) }, 'message'],
      ['actions not an array', { actions: {} }, 'actions'],
      [
        'action without label',
        { actions: [{ actionType: 'openUrl', url: 'https://x.example' }] },
        'actions[0].label',
      ],
      [
        'action with unknown actionType',
        { actions: [{ label: 'Go', actionType: 'navigate', url: 'https://x.example' }] },
        'actions[0].actionType',
      ],
      [
        'action without actionType',
        { actions: [{ label: 'Go', url: 'https://x.example' }] },
        'actions[0].actionType',
      ],
      ['openUrl without url', { actions: [{ label: 'Go', actionType: 'openUrl' }] }, 'actions[0].url'],
      [
        'openUrl with a relative url',
        { actions: [{ label: 'Go', actionType: 'openUrl', url: '/cases/1' }] },
        'actions[0].url',
      ],
      [
        'callback without callbackUrl',
        { actions: [{ label: 'Ack', actionType: 'callback', url: 'https://x.example' }] },
        'actions[0].callbackUrl',
      ],
      [
        'metadata not an object',
        {
          actions: [
            { label: 'Ack', actionType: 'callback', callbackUrl: 'https://x.example', metadata: 'k=v' },
          ],
        },
        'actions[0].metadata',
      ],
      [
        'two actions with one id',
        {
          actions: [
            { id: 'a', label: 'A', actionType: 'openUrl', url: 'https://x.example' },
            { id: 'a', label: 'B', actionType: 'openUrl', url: 'https://y.example' },
          ],
        },
        'actions[1].id',
      ],
      ['expiresAt not ISO', { expiresAt: '31/12/2026' }, 'expiresAt'],
      ['expiresAt without a zone', { expiresAt: '2099-12-31T23:59:59' }, 'expiresAt'],
      ['expiresAt in the past', { expiresAt: '2020-01-01T00:00:00Z' }, 'expiresAt'],
      ['empty idempotencyKey', { idempotencyKey: '' }, 'idempotencyKey'],
    ];
    it.each(cases)('%s', async (_name, overrides, field) => {
      const res = await send(overrides);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({
        status: 400,
        code: 'bad.request',
        contextId: res.headers.get('inin-correlation-id'),
      });
      const fields = (res.body.details as { fieldName: string }[]).map((d) => d.fieldName);
      expect(fields).toContain(field);
      expect(res.body.errors.length).toBe(res.body.details.length);
      expect(ctx.control.listNotifications()).toHaveLength(0);
    });

    it('lists all problems at once', async () => {
      const res = await ctx.api('POST', NOTIFICATIONS, { title: 'x'.repeat(300), type: 'nope' });
      expect((res.body.details as { fieldName: string }[]).map((d) => d.fieldName).sort()).toEqual([
        'message',
        'title',
        'type',
        'userId',
      ]);
    });

    it('accepts exactly 250 characters (UTF-16 code units)', async () => {
      expect((await send({ title: 't'.repeat(250), message: 'm'.repeat(250) })).status).toBe(201);
      expect((await send({ title: '😀'.repeat(126) })).status).toBe(400); // 252 code units
    });

    it('rejects non-JSON bodies (400) and other content types (415)', async () => {
      const t = await getToken(ctx.emu.url);
      expect(
        (
          await call(ctx.emu.url, 'POST', NOTIFICATIONS, {
            token: t,
            raw: '{"userId":',
            headers: { 'content-type': 'application/json' },
          })
        ).status,
      ).toBe(400);
      expect(
        (
          await call(ctx.emu.url, 'POST', NOTIFICATIONS, {
            token: t,
            raw: 'userId=u-1',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
          })
        ).status,
      ).toBe(415);
      expect(
        (await call(ctx.emu.url, 'POST', NOTIFICATIONS, { token: t, json: ['not', 'an', 'object'] })).status,
      ).toBe(400);
    });

    it('ignores unknown fields', async () => {
      expect((await send({ priority: 'high' })).status).toBe(201);
    });
  });

  it('deduplicates by idempotencyKey: same id, nothing new, posts counted', async () => {
    const body = notificationBody({ idempotencyKey: 'same-key' });
    const first = await ctx.api('POST', NOTIFICATIONS, body);
    const second = await ctx.api('POST', NOTIFICATIONS, body);
    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    expect(second.body.id).toBe(first.body.id);
    expect(second.body).toMatchObject({ status: 'queued', userId: 'u-1' });
    const all = ctx.control.listNotifications();
    expect(all).toHaveLength(1);
    expect(ctx.control.listNotifications({ idempotencyKey: 'same-key' })[0]).toMatchObject({
      id: first.body.id,
      posts: 2,
      bodyMismatches: 0,
    });
    // a replay with a different body is still answered with the original, and flagged
    const third = await ctx.api('POST', NOTIFICATIONS, { ...body, title: 'Changed' });
    expect(third.body).toMatchObject({ id: first.body.id, title: body.title });
    expect(ctx.control.getNotification(first.body.id as string)).toMatchObject({
      posts: 3,
      bodyMismatches: 1,
    });
    expect(ctx.control.stats().notifications).toMatchObject({
      created: 1,
      duplicatesSuppressed: 2,
      bodyMismatches: 1,
    });
    ctx.control.setConfig({ duplicateStatus: 201 });
    expect((await ctx.api('POST', NOTIFICATIONS, body)).status).toBe(201);
  });

  it('without an idempotencyKey every POST creates a new notification (and is counted)', async () => {
    const body = notificationBody({ idempotencyKey: undefined });
    const a = await ctx.api('POST', NOTIFICATIONS, body);
    const b = await ctx.api('POST', NOTIFICATIONS, body);
    expect(a.body.id).not.toBe(b.body.id);
    expect(ctx.control.stats().notifications).toMatchObject({ created: 2, withoutIdempotencyKey: 2 });
  });

  it('404 for unknown or deleted users', async () => {
    const res = await send({ userId: 'nobody' });
    expect(res).toMatchObject({ status: 404, body: { code: 'not.found', status: 404 } });
    expect((await send({ userId: 'u-deleted' })).status).toBe(404);
    expect(ctx.control.listNotifications()).toHaveLength(0);
  });

  it('409 when the agent logged out between check and send (fault), then the agent is Offline', async () => {
    ctx.control.flipPresenceOnNextSend('u-1');
    const res = await send();
    expect(res).toMatchObject({ status: 409, body: { status: 409 } });
    expect(ctx.control.getUser('u-1')).toMatchObject({ presence: 'Offline', routingStatus: 'OFF_QUEUE' });
    const user = await ctx.api('GET', '/api/v2/users/u-1?expand=presence');
    expect(user.body.presence.presenceDefinition.systemPresence).toBe('Offline');
    // once only: the next send is accepted (queued for an offline agent)
    expect((await send()).status).toBe(201);
    expect(ctx.control.listRequests({ status: 409 })[0]).toMatchObject({ fault: 'presence-flip' });
  });

  it('409 with probability presenceFlipRate', async () => {
    ctx.control.setFaults({ presenceFlipRate: 1 });
    expect((await send()).status).toBe(409);
    expect(ctx.control.stats().notifications.presenceFlips).toBe(1);
  });

  it('offline and inactive agents: accepted (201) but never shown, never clickable, silently expire', async () => {
    const action = { id: 'ack', label: 'Ack', actionType: 'callback', callbackUrl: 'http://127.0.0.1:9/cb' };
    const off = await send({ userId: 'u-off', actions: [action] });
    const inactive = await send({ userId: 'u-inactive', actions: [action] });
    expect(off).toMatchObject({ status: 201, body: { status: 'queued' } });
    expect(inactive.status).toBe(201);
    const n = ctx.control.getNotification(off.body.id as string)!;
    expect(n).toMatchObject({ status: 'queued', deliverable: false, shownAt: null });
    expect(() => ctx.control.click(n.id)).toThrow(expect.objectContaining({ status: 409 }));
    // even when the agent comes back, the queued toast is never shown
    ctx.control.updateUser('u-off', { presence: 'Available' });
    const click = await ctx.api('POST', `/__emulator/notifications/${n.id}/click`, { actionId: 'ack' });
    expect(click.status).toBe(409);
    ctx.control.expireNotification(n.id);
    expect(ctx.control.getNotification(n.id)!.status).toBe('expired');
    expect(ctx.control.listCallbackDeliveries()).toHaveLength(0);
  });

  it('expired notifications (expiresAt) cannot be clicked', async () => {
    // A minute ahead: no stall of the test process reaches it, the clock is moved past it instead.
    const expiresAt = new Date(Date.now() + 60_000).toISOString();
    const res = await send({
      expiresAt,
      actions: [{ label: 'Open', actionType: 'openUrl', url: 'https://x.example' }],
    });
    expect(res.status).toBe(201);
    const id = res.body.id as string;
    expect(ctx.control.getNotification(id)).toMatchObject({ status: 'shown', effectiveExpiresAt: expiresAt });
    clockAheadMs = 60_000;
    expect(ctx.control.getNotification(id)!.status).toBe('expired');
    expect(() => ctx.control.click(id)).toThrow(
      expect.objectContaining({ status: 409, code: 'notification.expired' }),
    );
  });

  it('openUrl clicks are recorded without a callback', async () => {
    const res = await send({ actions: [{ label: 'Open', actionType: 'openUrl', url: 'https://x.example' }] });
    const r = ctx.control.click(res.body.id as string, { index: 0 });
    expect(r).toMatchObject({ actionId: '0', actionType: 'openUrl', delivery: null });
    expect(ctx.control.getNotification(res.body.id as string)).toMatchObject({
      status: 'actioned',
      clicks: [{ actionId: '0', index: 0 }],
    });
    expect(() => ctx.control.click(res.body.id as string, { actionId: 'missing' })).toThrow(
      expect.objectContaining({ status: 404 }),
    );
  });

  it('serves the endpoint at a configurable path', async () => {
    ctx.control.setConfig({ notificationsPath: '/api/v2/custom/toasts' });
    expect((await ctx.api('POST', '/api/v2/custom/toasts', notificationBody())).status).toBe(201);
    expect((await ctx.api('POST', NOTIFICATIONS, notificationBody())).status).toBe(404);
  });

  it('requires a valid token', async () => {
    expect((await ctx.api('POST', NOTIFICATIONS, notificationBody(), { token: 'bogus' })).status).toBe(401);
  });

  it('lists notifications over the control HTTP API with filters', async () => {
    await send({ idempotencyKey: 'k1' });
    await send({ idempotencyKey: 'k2', userId: 'u-off' });
    const all = await ctx.api('GET', '/__emulator/notifications');
    expect(all.body).toHaveLength(2);
    const queued = await ctx.api('GET', '/__emulator/notifications?status=queued');
    expect(queued.body.map((n: { idempotencyKey: string }) => n.idempotencyKey)).toEqual(['k2']);
    const k1 = await ctx.api('GET', '/__emulator/notifications?idempotencyKey=k1');
    expect(k1.body[0]).toMatchObject({ userId: 'u-1', posts: 1 });
  });
});
