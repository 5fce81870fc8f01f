/**
 * A DAST-style pass over the running ingress (issue 14 item 6): every route the service serves gets no
 * credentials, a role that may not use it, an oversized body, wrong content types and path traversal in its
 * ids, over raw HTTP (node:http sends the path byte for byte; fetch would normalise `..` away). Every answer
 * must be a 4xx problem+json: never a 5xx, never a stack trace, never a file from outside the page's folder.
 */
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { parseApiKeys } from '../../src/config';
import { CALLBACK_PATH } from '../../src/shared/constants';
import { testConfig } from '../helpers/config';
import { startOpsStack, uniqueId, type OpsStack } from '../ops/helpers';
import { startIngressHarness, type IngressHarness } from './harness';

jest.setTimeout(120_000);

const secret = () => randomBytes(20).toString('hex');
const KEYS = {
  sender: `sender-${secret()}`,
  reader: `reader-${secret()}`,
  admin: `admin-${secret()}`,
};

interface Answer {
  status: number;
  type: string;
  body: string;
}

/** One raw request: the path goes out exactly as written. */
function raw(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: Buffer | string,
): Promise<Answer> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: u.hostname, port: u.port, method, path, headers: { connection: 'close', ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            type: String(res.headers['content-type'] ?? ''),
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    // The server may answer (413, 401) and close before a large body is sent: that answer is what counts.
    req.on('error', reject);
    req.end(body);
  });
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/** A route of the public surface, with the roles that may use it (undefined: not behind an API key). */
interface Route {
  method: 'GET' | 'POST';
  path: string;
  /** The path with `{id}` where an id goes (for the traversal cases). */
  template?: string;
  roles?: Array<keyof typeof KEYS>;
  /** How the route authenticates when not with an API key. */
  auth?: 'signature' | 'genesys-token' | 'agent-session' | 'none';
}

const ROUTES: Route[] = [
  { method: 'POST', path: '/v1/alerts', roles: ['sender', 'admin'] },
  {
    method: 'GET',
    path: '/v1/alerts/alert-x',
    template: '/v1/alerts/{id}',
    roles: ['sender', 'reader', 'admin'],
  },
  {
    method: 'POST',
    path: '/v1/alerts/alert-x/cancel',
    template: '/v1/alerts/{id}/cancel',
    roles: ['sender', 'admin'],
  },
  { method: 'GET', path: '/v1/dead-letters', roles: ['admin'] },
  { method: 'POST', path: '/v1/dead-letters/replay', roles: ['admin'] },
  {
    method: 'POST',
    path: '/v1/dead-letters/1/replay',
    template: '/v1/dead-letters/{id}/replay',
    roles: ['admin'],
  },
  { method: 'POST', path: CALLBACK_PATH, auth: 'signature' },
  { method: 'POST', path: '/agent-app/session', auth: 'genesys-token' },
  { method: 'POST', path: '/agent-app/actions', auth: 'agent-session' },
  { method: 'GET', path: '/agent-app/assets/app.js', template: '/agent-app/assets/{id}', auth: 'none' },
  { method: 'GET', path: '/agent-app/vendor/x.js', template: '/agent-app/vendor/{id}', auth: 'none' },
  { method: 'GET', path: '/docs/init.js', template: '/docs/{id}', auth: 'none' },
];

const TRAVERSALS = [
  '..',
  '..%2f..%2fpackage.json',
  '%2e%2e%2f%2e%2e%2fpackage.json',
  '..%5c..%5cpackage.json',
  '....//....//package.json',
  '%252e%252e%252fpackage.json',
  '%00',
  'a%00.js',
  '%E0%A4%A', // a broken percent-escape
  '%ff%fe',
  encodeURIComponent('../../../../etc/passwd'),
  'x'.repeat(5000),
];

/** The checks every answer must pass, whatever was sent. */
function expectSafe(a: Answer, what: string): void {
  const summary = `${what} -> ${a.status} ${a.type} ${a.body.slice(0, 200)}`;
  expect({ summary, ok: a.status >= 400 && a.status < 500 }).toEqual({ summary, ok: true });
  expect({ summary, problem: a.type.startsWith('application/problem+json') }).toEqual({
    summary,
    problem: true,
  });
  expect(a.body).not.toMatch(/\n\s+at |node_modules|\/src\/|Error: /); // no stack trace, no server path
  expect(a.body).not.toContain('"devDependencies"'); // package.json never leaks
  expect(a.body).not.toMatch(/root:x:0:0/);
}

describe('DAST pass over the running ingress', () => {
  let stack: OpsStack;
  const call = (method: string, path: string, headers?: Record<string, string>, body?: Buffer | string) =>
    raw(stack.ingress.url, method, path, headers, body);

  beforeAll(async () => {
    stack = await startOpsStack({
      users: [{ id: uniqueId('dast'), name: 'Dana Ast', email: 'dana@example.com', presence: 'Available' }],
      desktopChannels: ['agent-app', 'notifications-endpoint'],
      apiKeys: Object.entries(KEYS).map(([role, key]) => `${role}:${role}:${key}`),
    });
  });
  afterAll(async () => {
    await stack?.close();
  });

  const keyed = ROUTES.filter((r) => r.roles);
  test.each(keyed.map((r) => [`${r.method} ${r.path}`, r] as const))('%s: no key -> 401', async (_n, r) => {
    const a = await call(
      r.method,
      r.path,
      { 'content-type': 'application/json' },
      r.method === 'POST' ? '{}' : undefined,
    );
    expectSafe(a, 'no key');
    expect(a.status).toBe(401);
  });

  const wrongRoles = keyed.flatMap((r) =>
    (Object.keys(KEYS) as Array<keyof typeof KEYS>)
      .filter((role) => !r.roles!.includes(role))
      .map((role) => [`${r.method} ${r.path} as ${role}`, r, role] as const),
  );
  test.each(wrongRoles)('%s -> 403', async (_n, r, role) => {
    const a = await call(
      r.method,
      r.path,
      { ...bearer(KEYS[role]), 'content-type': 'application/json' },
      r.method === 'POST' ? '{}' : undefined,
    );
    expectSafe(a, `role ${role}`);
    expect(a.status).toBe(403);
  });

  const posts = ROUTES.filter((r) => r.method === 'POST');
  test.each(posts.map((r) => [r.path, r] as const))(
    '%s: an oversized body -> 4xx (413 once let in)',
    async (_n, r) => {
      const big = JSON.stringify({ title: 'x'.repeat(300_000) });
      const a = await call(
        'POST',
        r.path,
        { ...bearer(KEYS.admin), 'content-type': 'application/json' },
        big,
      );
      expectSafe(a, 'oversized');
      if (r.roles) expect(a.status).toBe(413);
    },
  );

  const CONTENT_TYPES = [
    'text/plain',
    'application/xml',
    'multipart/form-data; boundary=x',
    'application/x-www-form-urlencoded',
    'application/json; charset=utf-7',
    'application/json; charset=latin-99',
    'application/problem+json',
  ];
  test.each(posts.flatMap((r) => CONTENT_TYPES.map((t) => [r.path, t, r] as const)))(
    '%s with Content-Type %s -> 4xx',
    async (_n, type, r) => {
      const a = await call('POST', r.path, { ...bearer(KEYS.admin), 'content-type': type }, '{"a":1}');
      expectSafe(a, type);
    },
  );

  test.each(posts.map((r) => [r.path, r] as const))('%s with malformed JSON -> 4xx', async (_n, r) => {
    const a = await call(
      'POST',
      r.path,
      { ...bearer(KEYS.admin), 'content-type': 'application/json' },
      '{"a":',
    );
    expectSafe(a, 'malformed JSON');
  });

  const withIds = ROUTES.filter((r) => r.template);
  test.each(withIds.flatMap((r) => TRAVERSALS.map((t) => [r.template!, t.slice(0, 40), r, t] as const)))(
    '%s with id %s -> 4xx',
    async (_n, _shown, r, id) => {
      const a = await call(
        r.method,
        r.template!.replace('{id}', id),
        { ...bearer(KEYS.admin), 'content-type': 'application/json' },
        r.method === 'POST' ? '{}' : undefined,
      );
      expectSafe(a, `id ${id.slice(0, 40)}`);
    },
  );

  test.each([
    '/agent-app/../package.json',
    '/agent-app/assets/../../../package.json',
    '/agent-app/%2e%2e/%2e%2e/package.json',
    '/agent-app/vendor/..%2f..%2f..%2fpackage.json',
    '/docs/../package.json',
    '/docs/..%2f..%2f..%2fpackage.json',
    '/v1/../package.json',
    '/..%2f..%2fpackage.json',
    '//etc/passwd',
  ])('a traversal in the path: %s -> 4xx', async (path) => {
    expectSafe(await call('GET', path, bearer(KEYS.admin)), path);
  });
});

describe('DAST pass over the codec endpoint (payload keys set) and /metrics (METRICS_TOKEN set)', () => {
  const metricsToken = `metrics-${secret()}`;
  let h: IngressHarness;
  const call = (method: string, path: string, headers?: Record<string, string>, body?: Buffer | string) =>
    raw(h.ingress.url, method, path, headers, body);
  beforeAll(async () => {
    const base = testConfig();
    h = await startIngressHarness({
      config: {
        ...base,
        temporal: { ...base.temporal, payloadKeys: [{ id: 'k1', key: randomBytes(32) }] },
        metrics: { ...base.metrics, token: metricsToken },
        ingress: {
          ...base.ingress,
          apiKeys: parseApiKeys(Object.entries(KEYS).map(([role, key]) => `${role}:${role}:${key}`)),
        },
      },
    });
  });
  afterAll(async () => {
    await h?.close();
  });
  const payloads = JSON.stringify({
    payloads: [{ metadata: { encoding: 'anNvbi9wbGFpbg==' }, data: 'e30=' }],
  });

  test.each(['/codec/decode', '/codec/encode'])(
    '%s: no key 401, sender and reader 403, admin 200',
    async (path) => {
      const json = { 'content-type': 'application/json' };
      const none = await call('POST', path, json, payloads);
      expectSafe(none, 'no key');
      expect(none.status).toBe(401);
      for (const role of ['sender', 'reader'] as const) {
        const a = await call('POST', path, { ...json, ...bearer(KEYS[role]) }, payloads);
        expectSafe(a, role);
        expect(a.status).toBe(403);
      }
      expect((await call('POST', path, { ...json, ...bearer(KEYS.admin) }, payloads)).status).toBe(200);
    },
  );

  test.each([
    [
      'an oversized body',
      'application/json',
      JSON.stringify({ payloads: [{ data: 'A'.repeat(5_000_000) }] }),
    ],
    ['malformed JSON', 'application/json', '{"payloads":'],
    ['not base64', 'application/json', JSON.stringify({ payloads: [{ data: '!!' }] })],
    ['a wrong shape', 'application/json', JSON.stringify({ payloads: 'x' })],
    ['text', 'text/plain', payloads],
    ['a form', 'application/x-www-form-urlencoded', 'payloads=x'],
    ['UTF-7', 'application/json; charset=utf-7', payloads],
    [
      'a payload no key decrypts',
      'application/json',
      JSON.stringify({
        payloads: [
          {
            metadata: { encoding: 'YmluYXJ5L2VuY3J5cHRlZA==', 'encryption-key-id': 'bm9wZQ==' },
            data: 'AAAA',
          },
        ],
      }),
    ],
  ])('/codec/decode with %s -> 4xx problem+json', async (_what, type, body) => {
    expectSafe(
      await call('POST', '/codec/decode', { ...bearer(KEYS.admin), 'content-type': type }, body),
      _what,
    );
  });

  test('/metrics: no token, an API key, a wrong token -> 401; the token -> 200', async () => {
    for (const headers of [
      {},
      bearer(KEYS.admin),
      bearer(`${metricsToken}x`),
      { authorization: metricsToken },
    ]) {
      const a = await call('GET', '/metrics', headers);
      expectSafe(a, `metrics ${Object.keys(headers).join()}`);
      expect(a.status).toBe(401);
    }
    const ok = await call('GET', '/metrics', bearer(metricsToken));
    expect(ok.status).toBe(200);
    expect(ok.body).toContain('ingress_http_requests_total');
  });

  test.each(['/codec/..%2f..%2fpackage.json', '/codec/%E0%A4%A', '/codec/decode/..'])(
    'a traversal under /codec: %s -> 4xx',
    async (path) => {
      expectSafe(
        await call('POST', path, { ...bearer(KEYS.admin), 'content-type': 'application/json' }, payloads),
        path,
      );
    },
  );
});
