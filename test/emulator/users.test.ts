import { setup } from './helpers';

const SEARCH = '/api/v2/users/search';
const byEmail = (value: string | string[], extra: Record<string, unknown> = {}) => ({
  query: [
    Array.isArray(value)
      ? { type: 'EXACT', fields: ['email'], values: value }
      : { type: 'EXACT', fields: ['email'], value },
  ],
  ...extra,
});

describe('emulator: users, presence and routing status', () => {
  let ctx: Awaited<ReturnType<typeof setup>>;
  beforeAll(async () => {
    ctx = await setup({
      users: [
        {
          id: 'jordan',
          name: 'Jordan Smith',
          email: 'agent@company.com',
          presence: 'Available',
          routingStatus: 'IDLE',
        },
        {
          id: 'jordan-old',
          name: 'Jordan Smith (old)',
          email: 'agent@company.com',
          state: 'inactive',
          presence: 'Offline',
        },
        { id: 'dup-1', name: 'Alex One', email: 'shared@company.com' },
        {
          id: 'dup-2',
          name: 'Alex Two',
          email: 'shared@company.com',
          presence: 'on queue',
          routingStatus: 'interacting',
        },
        { id: 'gone', name: 'Gone', email: 'gone@company.com', state: 'deleted' },
        { id: 'off', name: 'Offline Agent', email: 'off@company.com', presence: 'OFFLINE' },
      ],
    });
  });
  afterAll(() => ctx.emu.close());

  it('search EXACT on email returns every match in every state, with expansions', async () => {
    const res = await ctx.api(
      'POST',
      SEARCH,
      byEmail('agent@company.com', { expand: ['routingStatus', 'presence'], pageSize: 25 }),
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ total: 2, pageCount: 1, pageSize: 25, pageNumber: 1 });
    const results = res.body.results as { id: string; state: string }[];
    expect(results.map((u) => [u.id, u.state])).toEqual([
      ['jordan', 'active'],
      ['jordan-old', 'inactive'],
    ]);
    expect(results[0]).toMatchObject({
      name: 'Jordan Smith',
      email: 'agent@company.com',
      routingStatus: { status: 'IDLE', startTime: expect.any(String) },
      presence: {
        presenceDefinition: { id: expect.any(String), systemPresence: 'Available' },
        modifiedDate: expect.any(String),
      },
    });
    expect(res.headers.get('inin-correlation-id')).toBeTruthy();
  });

  it('search is case-insensitive on email, finds duplicates, and supports several values', async () => {
    const dup = await ctx.api('POST', SEARCH, byEmail('SHARED@company.com', { expand: ['presence'] }));
    expect(dup.body.total).toBe(2);
    expect(
      (dup.body.results as { presence: { presenceDefinition: { systemPresence: string } } }[]).map(
        (u) => u.presence.presenceDefinition.systemPresence,
      ),
    ).toEqual(['Available', 'On Queue']);
    const many = await ctx.api(
      'POST',
      SEARCH,
      byEmail(['agent@company.com', 'shared@company.com', 'nobody@company.com']),
    );
    expect(many.body.total).toBe(4);
  });

  it('without expand the user has no routingStatus/presence', async () => {
    const res = await ctx.api('POST', SEARCH, byEmail('off@company.com'));
    expect(res.body.results[0]).not.toHaveProperty('presence');
    expect(res.body.results[0]).not.toHaveProperty('routingStatus');
  });

  it('paginates', async () => {
    const p1 = await ctx.api(
      'POST',
      SEARCH,
      byEmail(['agent@company.com', 'shared@company.com'], { pageSize: 3, pageNumber: 1 }),
    );
    const p2 = await ctx.api(
      'POST',
      SEARCH,
      byEmail(['agent@company.com', 'shared@company.com'], { pageSize: 3, pageNumber: 2 }),
    );
    expect(p1.body).toMatchObject({ total: 4, pageCount: 2, pageNumber: 1 });
    expect(p1.body.results).toHaveLength(3);
    expect(p2.body.results).toHaveLength(1);
  });

  it('omits results when nothing matched, like the real search (configurable)', async () => {
    const none = await ctx.api('POST', SEARCH, byEmail('nobody@company.com'));
    expect(none.status).toBe(200);
    expect(none.body).toMatchObject({ total: 0, pageCount: 0 });
    expect(none.body).not.toHaveProperty('results');
    ctx.control.setConfig({ searchOmitsEmptyResults: false });
    expect((await ctx.api('POST', SEARCH, byEmail('nobody@company.com'))).body.results).toEqual([]);
    ctx.control.setConfig({ searchOmitsEmptyResults: true });
  });

  it('rejects malformed searches with 400', async () => {
    expect((await ctx.api('POST', SEARCH, {})).status).toBe(400);
    expect(
      (await ctx.api('POST', SEARCH, { query: [{ type: 'FUZZY', fields: ['email'], value: 'x' }] })).status,
    ).toBe(400);
    expect((await ctx.api('POST', SEARCH, { query: [{ type: 'EXACT', fields: ['email'] }] })).status).toBe(
      400,
    );
    expect((await ctx.api('POST', SEARCH, byEmail('a@b.c', { pageSize: 500 }))).status).toBe(400);
    const notJson = await ctx.api('POST', SEARCH, undefined, { headers: { 'content-type': 'text/plain' } });
    expect(notJson.status).toBe(415);
  });

  it('GET user with expand, without expand, and 404 for unknown or deleted users', async () => {
    const full = await ctx.api('GET', '/api/v2/users/dup-2?expand=routingStatus,presence');
    expect(full.status).toBe(200);
    expect(full.body).toMatchObject({
      id: 'dup-2',
      state: 'active',
      routingStatus: { status: 'INTERACTING' },
      presence: { presenceDefinition: { systemPresence: 'On Queue' } },
    });
    const repeated = await ctx.api('GET', '/api/v2/users/dup-2?expand=routingStatus&expand=presence');
    expect(repeated.body).toHaveProperty('presence');
    const bare = await ctx.api('GET', '/api/v2/users/dup-2');
    expect(bare.body).not.toHaveProperty('presence');
    expect(bare.body).not.toHaveProperty('routingStatus');
    const missing = await ctx.api('GET', '/api/v2/users/no-such-user?expand=presence');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({
      status: 404,
      code: 'not.found',
      contextId: missing.headers.get('inin-correlation-id'),
      details: [],
      errors: [],
    });
    expect((await ctx.api('GET', '/api/v2/users/gone')).status).toBe(404);
    expect((await ctx.api('GET', '/api/v2/users/jordan-old')).body).toMatchObject({ state: 'inactive' });
  });

  it('routingstatus answers OFF_QUEUE even for users that do not exist', async () => {
    expect((await ctx.api('GET', '/api/v2/users/no-such-user/routingstatus')).body).toMatchObject({
      userId: 'no-such-user',
      status: 'OFF_QUEUE',
    });
    expect((await ctx.api('GET', '/api/v2/users/dup-2/routingstatus')).body).toMatchObject({
      userId: 'dup-2',
      status: 'INTERACTING',
    });
  });

  it('bulk presence returns known users only, in upper case', async () => {
    const res = await ctx.api(
      'GET',
      '/api/v2/users/presences/purecloud/bulk?id=jordan&id=off&id=dup-2&id=ghost',
    );
    expect(res.status).toBe(200);
    const byId = Object.fromEntries(
      (res.body as { userId: string; presenceDefinition: { systemPresence: string } }[]).map((p) => [
        p.userId,
        p.presenceDefinition.systemPresence,
      ]),
    );
    expect(byId).toEqual({ jordan: 'AVAILABLE', off: 'OFFLINE', 'dup-2': 'ON_QUEUE' });
    expect((await ctx.api('GET', '/api/v2/users/presences/purecloud/bulk')).status).toBe(400);
  });

  it('users are managed at runtime through the control API (in-process and HTTP)', async () => {
    const added = await ctx.api('POST', '/__emulator/users', {
      name: 'New Agent',
      email: 'new@company.com',
      presence: 'Busy',
    });
    expect(added.status).toBe(201);
    const id = added.body.id as string;
    const patched = await ctx.api('PATCH', `/__emulator/users/${id}`, { presence: 'Offline' });
    expect(patched.body).toMatchObject({ presence: 'Offline', routingStatus: 'OFF_QUEUE', version: 2 });
    const seen = await ctx.api('GET', `/api/v2/users/${id}?expand=presence,routingStatus`);
    expect(seen.body).toMatchObject({
      presence: { presenceDefinition: { systemPresence: 'Offline' } },
      routingStatus: { status: 'OFF_QUEUE' },
    });
    ctx.control.updateUser(id, { email: 'renamed@company.com', state: 'inactive' });
    expect((await ctx.api('POST', SEARCH, byEmail('new@company.com'))).body.total).toBe(0);
    expect((await ctx.api('POST', SEARCH, byEmail('renamed@company.com'))).body.results[0]).toMatchObject({
      id,
      state: 'inactive',
    });
    expect(
      (await ctx.api('POST', '/__emulator/users', { name: 'x', email: 'x@y.z', presence: 'Sleeping' }))
        .status,
    ).toBe(400);
    expect((await ctx.api('DELETE', `/__emulator/users/${id}`)).status).toBe(204);
    expect((await ctx.api('GET', `/api/v2/users/${id}`)).status).toBe(404);
  });

  it('unknown API paths answer 404 and wrong methods 405, with Genesys bodies', async () => {
    expect((await ctx.api('GET', '/api/v2/nothing/here')).body).toMatchObject({
      status: 404,
      code: 'not.found',
    });
    expect((await ctx.api('DELETE', '/api/v2/users/jordan')).status).toBe(405);
  });
});
