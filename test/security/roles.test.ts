/**
 * Named API keys with roles (issue 14 item 1), against the real ingress, workers and a Temporal dev server:
 * every route for every role (the matrix below is the contract the README's "Security" section prints), a
 * sender limited to its own alerts, the alert's source taken from the key's name, one audit line per mutating
 * request without the key, and a per-key request limit answered 429 with Retry-After.
 */
import { randomBytes } from 'node:crypto';
import { SA } from '../../src/shared/search-attributes';
import { parseApiKeys } from '../../src/config';
import { testConfig } from '../helpers/config';
import { captureLogs, alertRequest, startOpsStack, uniqueId, type OpsStack } from '../ops/helpers';
import { startIngressHarness, type IngressHarness } from './harness';

jest.setTimeout(60_000);

const secret = () => randomBytes(20).toString('hex');
const KEYS = {
  crm: { role: 'sender', key: `crm-${secret()}` },
  wem: { role: 'sender', key: `wem-${secret()}` },
  ops: { role: 'reader', key: `ops-${secret()}` },
  root: { role: 'admin', key: `root-${secret()}` },
} as const;
type Who = keyof typeof KEYS | 'none';
const ENTRIES = Object.entries(KEYS).map(([name, k]) => `${name}:${k.role}:${k.key}`);

describe('roles, ownership, source and audit', () => {
  const capture = captureLogs('info');
  const agent = {
    id: uniqueId('roles-agent'),
    name: 'Rui Costa',
    email: 'rui.costa@example.com',
    presence: 'Available',
  };
  let stack: OpsStack;
  /** One open alert started by each sender (the routes below read and cancel them). */
  const own: Record<'crm' | 'wem', string[]> = { crm: [], wem: [] };

  const call = async (who: Who, method: 'GET' | 'POST', path: string, body?: unknown) => {
    const res = await fetch(`${stack.ingress.url}${path}`, {
      method,
      headers: {
        ...(who === 'none' ? {} : { authorization: `Bearer ${KEYS[who].key}` }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return {
      status: res.status,
      type: res.headers.get('content-type'),
      requestId: res.headers.get('x-request-id'),
      text,
    };
  };
  const start = async (who: 'crm' | 'wem' | 'root', over: Record<string, unknown> = {}) => {
    const res = await call(
      who,
      'POST',
      '/v1/alerts',
      alertRequest({ target: { userId: agent.id }, ...over }),
    );
    expect(res.status).toBe(202);
    return (JSON.parse(res.text) as { alertId: string }).alertId;
  };

  beforeAll(async () => {
    stack = await startOpsStack({ users: [agent], logger: capture.logger, apiKeys: ENTRIES });
    for (const who of ['crm', 'wem'] as const) for (let i = 0; i < 3; i++) own[who].push(await start(who));
  });
  afterAll(async () => {
    await stack?.close();
  });

  // route x role -> status. crm and wem are both senders: crm's alerts are its own, wem's are another's. Each
  // cancel that succeeds gets an alert of its own, so the order of the cases does not matter.
  type Case = [route: string, who: Who, method: 'GET' | 'POST', path: () => string, status: number];
  const route = (
    name: string,
    method: 'GET' | 'POST',
    path: () => string,
    statuses: Partial<Record<Who, number>>,
  ): Case[] => Object.entries(statuses).map(([who, status]) => [name, who as Who, method, path, status]);
  const MATRIX: Case[] = [
    ...route('POST /v1/alerts', 'POST', () => '/v1/alerts', { none: 401, crm: 202, ops: 403, root: 202 }),
    ...route("GET /v1/alerts/{id} (crm's)", 'GET', () => `/v1/alerts/${own.crm[0]}`, {
      none: 401,
      crm: 200,
      wem: 404,
      ops: 200,
      root: 200,
    }),
    ...route("POST /v1/alerts/{id}/cancel (crm's)", 'POST', () => `/v1/alerts/${own.crm[1]}/cancel`, {
      none: 401,
      wem: 404,
      ops: 403,
      crm: 202,
    }),
    ...route("POST /v1/alerts/{id}/cancel (wem's)", 'POST', () => `/v1/alerts/${own.wem[1]}/cancel`, {
      root: 202,
    }),
    ...route('GET /v1/dead-letters', 'GET', () => '/v1/dead-letters', {
      none: 401,
      crm: 403,
      ops: 403,
      root: 200,
    }),
    ...route('POST /v1/dead-letters/replay', 'POST', () => '/v1/dead-letters/replay', {
      none: 401,
      crm: 403,
      ops: 403,
      root: 202,
    }),
    ...route('POST /v1/dead-letters/{id}/replay', 'POST', () => '/v1/dead-letters/999999/replay', {
      none: 401,
      crm: 403,
      ops: 403,
      root: 404,
    }),
  ];

  test.each(MATRIX)('%s as %s', async (_route, who, method, path, status) => {
    const body =
      method === 'POST'
        ? path() === '/v1/alerts'
          ? alertRequest({ target: { userId: agent.id } })
          : {}
        : undefined;
    const res = await call(who, method, path(), body);
    expect({ status: res.status, body: res.text.slice(0, 300) }).toEqual({
      status,
      body: expect.any(String),
    });
    if (status >= 400) expect(res.type).toMatch(/^application\/problem\+json/);
    if (status === 403)
      expect(JSON.parse(res.text)).toMatchObject({ type: '/problems/forbidden', status: 403 });
  });

  test("an alert's source is the key's name, whatever metadata.source says", async () => {
    const alertId = await start('crm', { metadata: { source: 'spoofed-by-caller', transactionId: 'TXN-1' } });
    const desc = await stack.client.workflow.getHandle(alertId).describe();
    expect(desc.typedSearchAttributes.get(SA.source)).toBe('crm');
    const state = JSON.parse((await call('crm', 'GET', `/v1/alerts/${alertId}`)).text) as Record<
      string,
      unknown
    >;
    expect(state.source).toBe('crm');
  });

  test("one sender's idempotency key is not another's: 409, and the owner's retry is a duplicate", async () => {
    const idempotencyKey = uniqueId('shared-key');
    const first = await start('crm', { idempotencyKey });
    const other = await call(
      'wem',
      'POST',
      '/v1/alerts',
      alertRequest({ target: { userId: agent.id }, idempotencyKey }),
    );
    expect(other.status).toBe(409);
    expect(other.text).not.toContain(first); // the other caller's alert id is not revealed
    const retry = await call(
      'crm',
      'POST',
      '/v1/alerts',
      alertRequest({ target: { userId: agent.id }, idempotencyKey }),
    );
    expect({ status: retry.status, body: JSON.parse(retry.text) }).toEqual({
      status: 200,
      body: { alertId: first, status: 'duplicate' },
    });
  });

  test('every mutating request leaves one audit line: key name, action, alert, result, request id; never a key', async () => {
    const started = await call('crm', 'POST', '/v1/alerts', alertRequest({ target: { userId: agent.id } }));
    const alertId = (JSON.parse(started.text) as { alertId: string }).alertId;
    const denied = await call('ops', 'POST', `/v1/alerts/${alertId}/cancel`, {});
    const refused = await call('none', 'POST', `/v1/alerts/${alertId}/cancel`, {});
    const cancelled = await call('crm', 'POST', `/v1/alerts/${alertId}/cancel`, {});
    const read = await call('crm', 'GET', `/v1/alerts/${alertId}`);
    const audit = (requestId: string | null) =>
      capture.lines().filter((l) => l.audit === true && l.requestId === requestId);
    expect(audit(started.requestId)).toEqual([
      expect.objectContaining({
        key: 'crm',
        role: 'sender',
        action: 'alert.start',
        alertId,
        result: 'ok',
        status: 202,
      }),
    ]);
    expect(audit(denied.requestId)).toEqual([
      expect.objectContaining({ key: 'ops', action: 'alert.cancel', alertId, result: 'denied', status: 403 }),
    ]);
    expect(audit(refused.requestId)).toEqual([
      expect.objectContaining({ key: null, role: null, result: 'denied', status: 401 }),
    ]);
    expect(audit(refused.requestId)[0]!.action).toBe(`POST /v1/alerts/${alertId}/cancel`);
    expect(audit(cancelled.requestId)).toEqual([
      expect.objectContaining({ key: 'crm', action: 'alert.cancel', alertId, result: 'ok', status: 202 }),
    ]);
    expect(audit(read.requestId)).toEqual([]); // reads are not audited (the request log has them)
    const all = JSON.stringify(capture.lines());
    for (const k of Object.values(KEYS)) expect(all).not.toContain(k.key);
  });
});

describe('the per-key request limit', () => {
  let h: IngressHarness;
  const admin = `admin-${secret()}`;
  const other = `other-${secret()}`;
  beforeAll(async () => {
    const base = testConfig();
    h = await startIngressHarness({
      config: {
        ...base,
        ingress: {
          ...base.ingress,
          apiKeys: parseApiKeys([`busy:admin:${admin}`, `calm:admin:${other}`]),
          rateLimitPerMinute: 3,
        },
      },
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  test('answers 429 problem+json with Retry-After past the limit, for that key only', async () => {
    const get = (key: string) =>
      fetch(`${h.ingress.url}/v1/dead-letters`, { headers: { authorization: `Bearer ${key}` } });
    for (let i = 0; i < 3; i++) expect((await get(admin)).status).toBe(200);
    const limited = await get(admin);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await limited.json()).toMatchObject({ type: '/problems/too-many-requests', status: 429 });
    expect((await get(other)).status).toBe(200); // another key has its own budget
  });
});
