import type { MockAgent } from 'undici';
import { GenesysApiError, type DesktopNotificationBody } from '../../src/genesys';
import {
  API,
  bodyOf,
  Clock,
  headerOf,
  json,
  makeClient,
  mockTokens,
  newMockAgent,
  user,
  type Opts,
} from './helpers';

const USER_PATH = (id: string) => `/api/v2/users/${encodeURIComponent(id)}?expand=routingStatus,presence`;

const notification: DesktopNotificationBody = {
  userId: 'u-1',
  title: 'Compliance Review Required',
  message: 'Customer interaction #TXN-88921 flagged.',
  type: 'warning',
  idempotencyKey: 'key-1',
  actions: [{ id: 'open', label: 'Open Case', actionType: 'openUrl', url: 'https://crm.example/cases/1' }],
  expiresAt: '2026-12-31T23:59:59Z',
};

describe('createGenesysClient', () => {
  let agent: MockAgent;
  let clock: Clock;

  beforeEach(() => {
    agent = newMockAgent();
    clock = new Clock();
  });
  afterEach(async () => {
    await agent.close();
  });

  describe('getUser', () => {
    it('GETs the user with routingStatus and presence expanded, with a bearer token', async () => {
      mockTokens(agent);
      let seen: Opts | undefined;
      agent
        .get(API)
        .intercept({ path: USER_PATH('u-1'), method: 'GET' })
        .reply((opts) => {
          seen = opts;
          return { statusCode: 200, data: JSON.stringify(user('u-1')), responseOptions: { headers: json } };
        });
      const client = makeClient(agent);
      await expect(client.getUser('u-1')).resolves.toMatchObject({ id: 'u-1', state: 'active' });
      expect(headerOf(seen!, 'authorization')).toBe('Bearer tok-1');
    });

    it('encodes the user id into the path', async () => {
      mockTokens(agent);
      agent
        .get(API)
        .intercept({ path: '/api/v2/users/a%2Fb%3Fc?expand=routingStatus,presence' })
        .reply(200, user('a/b?c'));
      await expect(makeClient(agent).getUser('a/b?c')).resolves.toMatchObject({ id: 'a/b?c' });
    });

    it.each(['', '  ', '.', '..'])('refuses the id %p without calling Genesys', async (id) => {
      const server = mockTokens(agent);
      const err = (await makeClient(agent)
        .getUser(id)
        .catch((e: unknown) => e)) as GenesysApiError;
      expect(err.kind).toBe('bad_request');
      expect(server.calls).toBe(0);
    });

    it('maps 404 to not_found', async () => {
      mockTokens(agent);
      agent
        .get(API)
        .intercept({ path: USER_PATH('ghost') })
        .reply(
          404,
          { message: 'User not found', code: 'not.found', status: 404 },
          { headers: { 'inin-correlation-id': 'c-404' } },
        );
      const err = (await makeClient(agent)
        .getUser('ghost')
        .catch((e: unknown) => e)) as GenesysApiError;
      expect(err).toBeInstanceOf(GenesysApiError);
      expect(err.kind).toBe('not_found');
      expect(err.status).toBe(404);
      expect(err.code).toBe('not.found');
      expect(err.correlationId).toBe('c-404');
      expect(err.retryable).toBe(false);
    });

    it('reports a malformed 200 as a server error', async () => {
      mockTokens(agent);
      agent
        .get(API)
        .intercept({ path: USER_PATH('u-1') })
        .reply(200, '<html>proxy</html>');
      const err = (await makeClient(agent)
        .getUser('u-1')
        .catch((e: unknown) => e)) as GenesysApiError;
      expect(err.kind).toBe('server');
    });
  });

  describe('tokens across calls', () => {
    it('reuses one token for many calls', async () => {
      const server = mockTokens(agent);
      agent
        .get(API)
        .intercept({ path: USER_PATH('u-1') })
        .reply(200, user('u-1'))
        .times(5);
      const client = makeClient(agent, { now: clock.now });
      for (let i = 0; i < 5; i++) await client.getUser('u-1');
      expect(server.calls).toBe(1);
    });

    it('50 concurrent calls with an expired token make exactly one token request', async () => {
      const server = mockTokens(agent);
      const bearers: string[] = [];
      agent
        .get(API)
        .intercept({ path: USER_PATH('u-1') })
        .reply((opts) => {
          bearers.push(headerOf(opts, 'authorization') ?? '');
          return { statusCode: 200, data: JSON.stringify(user('u-1')) };
        })
        .persist();
      const client = makeClient(agent, { now: clock.now });
      await client.getUser('u-1');
      clock.advanceSeconds(3500);
      await Promise.all(Array.from({ length: 50 }, () => client.getUser('u-1')));
      expect(server.calls).toBe(2);
      expect(bearers.slice(1)).toEqual(Array(50).fill('Bearer tok-2'));
    });

    it('a token revoked mid-batch costs one refresh and one retry per call, and no error', async () => {
      // The guide's Trap: the token expires mid-batch and Genesys answers 401.
      const server = mockTokens(agent);
      const bearers: string[] = [];
      const answer = (opts: Opts) => {
        const auth = headerOf(opts, 'authorization') ?? '';
        bearers.push(auth);
        return auth === 'Bearer tok-1'
          ? {
              statusCode: 401,
              data: JSON.stringify({ status: 401, code: 'authentication.required', message: 'expired' }),
            }
          : { statusCode: 200, data: JSON.stringify(user('u-1')) };
      };
      // Half the 401s come at once; the other half arrive after the new token is in place, and
      // must not throw it away again.
      agent
        .get(API)
        .intercept({ path: USER_PATH('u-1') })
        .reply(answer)
        .times(25);
      agent
        .get(API)
        .intercept({ path: USER_PATH('u-1') })
        .reply(answer)
        .delay(50)
        .persist();
      const client = makeClient(agent, { now: clock.now });
      const users = await Promise.all(Array.from({ length: 50 }, () => client.getUser('u-1')));
      expect(users).toHaveLength(50);
      expect(server.calls).toBe(2);
      expect(bearers.filter((b) => b === 'Bearer tok-1')).toHaveLength(50);
      expect(bearers.filter((b) => b === 'Bearer tok-2')).toHaveLength(50);
    });

    it('a second 401 with a fresh token is unauthorized', async () => {
      const server = mockTokens(agent);
      agent
        .get(API)
        .intercept({ path: USER_PATH('u-1') })
        .reply(401, { status: 401, code: 'bad.credentials', message: 'Invalid login credentials.' })
        .times(2);
      const err = (await makeClient(agent)
        .getUser('u-1')
        .catch((e: unknown) => e)) as GenesysApiError;
      expect(err.kind).toBe('unauthorized');
      expect(err.status).toBe(401);
      expect(server.calls).toBe(2);
      expect(agent.pendingInterceptors().filter((i) => i.origin === API)).toHaveLength(0);
    });

    it('surfaces invalid_client from the token endpoint without calling the API', async () => {
      agent
        .get('https://login.genesys.test')
        .intercept({ path: '/oauth/token', method: 'POST' })
        .reply(401, { error: 'invalid_client' });
      const err = (await makeClient(agent)
        .getUser('u-1')
        .catch((e: unknown) => e)) as GenesysApiError;
      expect(err.kind).toBe('invalid_client');
      expect(err.retryable).toBe(false);
      expect(err.message).toMatch(/credentials/);
    });
  });

  describe('searchUsersByEmail', () => {
    const SEARCH = '/api/v2/users/search';

    it('sends one EXACT email query with `value` for one email, lower-cased and trimmed', async () => {
      mockTokens(agent);
      const bodies: string[] = [];
      agent
        .get(API)
        .intercept({ path: SEARCH, method: 'POST' })
        .reply((opts) => {
          bodies.push(bodyOf(opts));
          expect(headerOf(opts, 'content-type')).toBe('application/json');
          return {
            statusCode: 200,
            data: JSON.stringify({ total: 1, pageCount: 1, results: [user('u-1')] }),
          };
        });
      const users = await makeClient(agent).searchUsersByEmail(['  Agent@Company.COM ', 'agent@company.com']);
      expect(users.map((u) => u.id)).toEqual(['u-1']);
      expect(bodies).toEqual([
        '{"query":[{"type":"EXACT","fields":["email"],"value":"agent@company.com"}],"expand":["routingStatus","presence"],"pageSize":100}',
      ]);
    });

    it('uses `values` for several emails, follows every page and returns users in every state', async () => {
      mockTokens(agent);
      const bodies: string[] = [];
      const pages = [
        [user('u-1'), user('u-2', { state: 'inactive' })],
        [user('u-3', { state: 'deleted' })],
        [user('u-4')],
      ];
      agent
        .get(API)
        .intercept({ path: SEARCH, method: 'POST' })
        .reply((opts) => {
          const body = bodyOf(opts);
          bodies.push(body);
          const page = (JSON.parse(body) as { pageNumber?: number }).pageNumber ?? 1;
          return {
            statusCode: 200,
            data: JSON.stringify({ total: 4, pageCount: 3, pageNumber: page, results: pages[page - 1] }),
          };
        })
        .persist();
      const users = await makeClient(agent).searchUsersByEmail(['a@x.com', 'B@x.com']);
      expect(users.map((u) => [u.id, u.state])).toEqual([
        ['u-1', 'active'],
        ['u-2', 'inactive'],
        ['u-3', 'deleted'],
        ['u-4', 'active'],
      ]);
      const q =
        '{"query":[{"type":"EXACT","fields":["email"],"values":["a@x.com","b@x.com"]}],"expand":["routingStatus","presence"],"pageSize":100';
      expect(bodies).toEqual([`${q}}`, `${q},"pageNumber":2}`, `${q},"pageNumber":3}`]);
    });

    it('handles an empty answer without results', async () => {
      mockTokens(agent);
      agent
        .get(API)
        .intercept({ path: SEARCH, method: 'POST' })
        .reply(200, { total: 0, pageCount: 0, pageSize: 100, pageNumber: 1 });
      await expect(makeClient(agent).searchUsersByEmail(['nobody@x.com'])).resolves.toEqual([]);
    });

    it('makes no call for an empty list', async () => {
      const server = mockTokens(agent);
      await expect(makeClient(agent).searchUsersByEmail(['', '  '])).resolves.toEqual([]);
      expect(server.calls).toBe(0);
    });
  });

  describe('createNotification', () => {
    const PATH = '/api/v2/desktop/notifications';

    it('POSTs the body as JSON and returns the created notification', async () => {
      mockTokens(agent);
      let sent = '';
      agent
        .get(API)
        .intercept({ path: PATH, method: 'POST' })
        .reply((opts) => {
          sent = bodyOf(opts);
          return { statusCode: 201, data: JSON.stringify({ id: 'n-1', status: 'queued', userId: 'u-1' }) };
        });
      await expect(makeClient(agent).createNotification(notification)).resolves.toEqual({
        id: 'n-1',
        status: 'queued',
        userId: 'u-1',
      });
      expect(JSON.parse(sent)).toEqual(notification);
    });

    it('accepts 200 (an idempotent replay) and honours a custom path', async () => {
      mockTokens(agent);
      agent
        .get(API)
        .intercept({ path: '/custom/notify', method: 'POST' })
        .reply(200, { id: 'n-1', status: 'delivered' });
      const client = makeClient(agent, { notificationsPath: '/custom/notify' });
      await expect(client.createNotification(notification)).resolves.toMatchObject({ id: 'n-1' });
    });

    it('retries the same body once after a 401', async () => {
      mockTokens(agent);
      const sent: string[] = [];
      agent
        .get(API)
        .intercept({ path: PATH, method: 'POST' })
        .reply((opts) => {
          sent.push(bodyOf(opts));
          return sent.length === 1
            ? { statusCode: 401, data: '' }
            : { statusCode: 201, data: JSON.stringify({ id: 'n-1', status: 'queued' }) };
        })
        .times(2);
      await expect(makeClient(agent).createNotification(notification)).resolves.toMatchObject({ id: 'n-1' });
      expect(sent).toHaveLength(2);
      expect(sent[0]).toBe(sent[1]);
    });

    it('maps 409 to conflict', async () => {
      mockTokens(agent);
      agent
        .get(API)
        .intercept({ path: PATH, method: 'POST' })
        .reply(409, { status: 409, code: 'conflict', message: 'session changed' });
      const err = (await makeClient(agent)
        .createNotification(notification)
        .catch((e: unknown) => e)) as GenesysApiError;
      expect(err.kind).toBe('conflict');
    });

    // GENESYS.md: a 404 for the path itself means the channel does not exist on this org; "404 user unknown"
    // is the endpoint answering about a user, and its body names one.
    it.each<[string, number, string | object]>([
      [
        "the emulator's unknown path",
        404,
        { status: 404, code: 'not.found', message: `No resource found at ${PATH}.` },
      ],
      [
        'a generic not.found',
        404,
        { status: 404, code: 'not.found', message: 'HTTP 404 Not Found', contextId: 'ctx-1' },
      ],
      ["a gateway's HTML page", 404, '<html><body><h1>404 Not Found</h1></body></html>'],
      ['an empty body', 404, ''],
    ])(
      'a 404 naming no user (%s) is a missing endpoint: non-retryable, said as such, never a session change',
      async (_what, status, body) => {
        mockTokens(agent);
        agent
          .get(API)
          .intercept({ path: PATH, method: 'POST' })
          .reply(status, body, { headers: { 'inin-correlation-id': 'inin-404' } });
        const err = (await makeClient(agent)
          .createNotification(notification)
          .catch((e: unknown) => e)) as GenesysApiError;
        expect(err).toBeInstanceOf(GenesysApiError);
        expect(err.kind).toBe('endpoint_missing');
        expect(err.retryable).toBe(false);
        expect(err.status).toBe(404);
        expect(err.correlationId).toBe('inin-404');
        expect(err.message).toContain(
          `the desktop notifications endpoint does not exist on this org (GENESYS_NOTIFICATIONS_PATH=${PATH})`,
        );
        expect(err.message).toMatch(/configuration/);
        expect(err.message).not.toMatch(/session/i);
      },
    );

    it('does not take a configured path that has "user" in it for a user 404', async () => {
      mockTokens(agent);
      const path = '/api/v2/user/desktop-notifications';
      agent
        .get(API)
        .intercept({ path, method: 'POST' })
        .reply(404, { status: 404, code: 'not.found', message: 'HTTP 404 Not Found' });
      const err = (await makeClient(agent, { notificationsPath: path })
        .createNotification(notification)
        .catch((e: unknown) => e)) as GenesysApiError;
      expect(err.kind).toBe('endpoint_missing');
    });

    it.each<[string, object]>([
      ["the emulator's unknown user", { status: 404, code: 'not.found', message: 'User u-1 not found.' }],
      [
        'a user error code',
        { status: 404, code: 'user.not.found', message: 'The requested resource was not found.' },
      ],
      ['a message about a user', { status: 404, code: 'not.found', message: 'No such user.' }],
    ])('a 404 naming the user (%s) is the user unknown: not_found', async (_what, body) => {
      mockTokens(agent);
      agent.get(API).intercept({ path: PATH, method: 'POST' }).reply(404, body);
      const err = (await makeClient(agent)
        .createNotification(notification)
        .catch((e: unknown) => e)) as GenesysApiError;
      expect(err.kind).toBe('not_found');
    });
  });

  describe('getPresences', () => {
    it('asks the bulk endpoint for up to 50 ids at a time', async () => {
      mockTokens(agent);
      const paths: string[] = [];
      agent
        .get(API)
        .intercept({ path: (p) => p.startsWith('/api/v2/users/presences/purecloud/bulk?'), method: 'GET' })
        .reply((opts) => {
          paths.push(opts.path);
          const ids = new URL(opts.path, API).searchParams.getAll('id');
          return {
            statusCode: 200,
            data: JSON.stringify(
              ids.map((id) => ({ userId: id, presenceDefinition: { systemPresence: 'ON_QUEUE' } })),
            ),
          };
        })
        .persist();
      const ids = Array.from({ length: 60 }, (_, i) => `u-${i}`);
      const presences = await makeClient(agent).getPresences([...ids, 'u-0']);
      expect(presences.map((p) => p.userId)).toEqual(ids);
      expect(paths).toHaveLength(2);
      expect(paths[0]).toBe(
        `/api/v2/users/presences/purecloud/bulk?${ids
          .slice(0, 50)
          .map((id) => `id=${id}`)
          .join('&')}`,
      );
    });
  });

  describe('lifecycle', () => {
    it('close() leaves an injected dispatcher open and refuses later calls', async () => {
      mockTokens(agent);
      agent
        .get(API)
        .intercept({ path: USER_PATH('u-1') })
        .reply(200, user('u-1'));
      const client = makeClient(agent);
      await client.close();
      await client.close();
      await expect(client.getUser('u-1')).rejects.toBeInstanceOf(GenesysApiError);
      // The dispatcher still works for its owner.
      await expect(makeClient(agent).getUser('u-1')).resolves.toMatchObject({ id: 'u-1' });
    });

    it('rethrows the caller abort reason unchanged', async () => {
      mockTokens(agent);
      agent
        .get(API)
        .intercept({ path: USER_PATH('u-1') })
        .reply(200, user('u-1'))
        .delay(5000);
      const controller = new AbortController();
      const reason = new Error('activity cancelled');
      const pending = makeClient(agent).getUser('u-1', { signal: controller.signal });
      setTimeout(() => controller.abort(reason), 20);
      await expect(pending).rejects.toBe(reason);
    });

    it('validates its base URLs', () => {
      expect(() => makeClient(agent, { apiBase: 'not a url' })).toThrow(/apiBase/);
    });
  });
});
