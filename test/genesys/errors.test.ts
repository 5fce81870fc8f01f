import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createGenesysClient,
  DEFAULT_RETRY_AFTER_SECONDS,
  GenesysApiError,
  parseRetryAfter,
  type GenesysErrorKind,
} from '../../src/genesys';
import { API, CLIENT_ID, CLIENT_SECRET, Clock, makeClient, useMockAgent, START } from './helpers';

const USER_PATH = '/api/v2/users/u-1?expand=routingStatus,presence';

describe('parseRetryAfter', () => {
  const now = () => START;
  it.each([
    ['7', 7],
    ['0', 0],
    [' 120 ', 120],
    ['1.5', 2],
    ['Sun, 29 Nov 2026 10:00:30 GMT', 30], // HTTP date, 30 s after START
    ['Sun, 29 Nov 2026 10:00:30.400 GMT', 31],
    ['Sun, 29 Nov 2026 09:59:00 GMT', 0], // already past
    [undefined, DEFAULT_RETRY_AFTER_SECONDS],
    ['', DEFAULT_RETRY_AFTER_SECONDS],
    ['soon', DEFAULT_RETRY_AFTER_SECONDS],
  ])('%p -> %p s', (value, seconds) => {
    expect(parseRetryAfter(value, now)).toBe(seconds);
  });

  // Retry-After becomes a timer and a server-side pause: a value without a ceiling shut the gate for good.
  it.each([
    ['99999999999999999999', '99999999999999999999', 300], // finite but absurd: the ceiling
    ['301', '301', 300],
    ['a date in 9999', 'Fri, 31 Dec 9999 23:59:59 GMT', 300], // an HTTP date far away: the ceiling too
    ['1e400 written out', '1' + '0'.repeat(400), DEFAULT_RETRY_AFTER_SECONDS], // not a finite number: ignored
  ])('%s is capped at the 300 s default ceiling, or ignored when not finite', (_label, value, seconds) => {
    expect(parseRetryAfter(value, now)).toBe(seconds);
  });

  it('takes the ceiling as a parameter', () => {
    expect(parseRetryAfter('600', now, 120)).toBe(120);
    expect(parseRetryAfter('60', now, 120)).toBe(60);
  });
});

describe('status mapping', () => {
  const mock = useMockAgent();

  const fail = async (
    status: number,
    body: unknown = {},
    headers: Record<string, string> = {},
    now?: () => number,
  ) => {
    mock.agent
      .get(API)
      .intercept({ path: USER_PATH })
      .reply(status, body as object, { headers: { 'inin-correlation-id': `c-${status}`, ...headers } });
    const err = await makeClient(mock.agent, { now })
      .getUser('u-1')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GenesysApiError);
    return err as GenesysApiError;
  };

  it.each<[number, GenesysErrorKind, boolean]>([
    [400, 'bad_request', false],
    [403, 'forbidden', false],
    [404, 'not_found', false],
    [409, 'conflict', false],
    [422, 'bad_request', false],
    [408, 'timeout', true],
    [429, 'rate_limited', true],
    [500, 'server', true],
    [502, 'server', true],
    [503, 'server', true],
    [504, 'server', true],
  ])('%p -> %p (retryable %p)', async (status, kind, retryable) => {
    const err = await fail(status, { status, code: `code.${status}`, message: `message ${status}` });
    expect(err.kind).toBe(kind);
    expect(err.retryable).toBe(retryable);
    expect(err.status).toBe(status);
    expect(err.code).toBe(`code.${status}`);
    expect(err.correlationId).toBe(`c-${status}`);
    expect(err.message).toContain(`message ${status}`);
  });

  it("puts Genesys's message and details in a 400's message", async () => {
    const err = await fail(400, {
      status: 400,
      code: 'bad.request',
      message: 'The request could not be understood by the server due to malformed syntax.',
      contextId: 'ctx-1',
      details: [{ errorCode: 'title.too.long', fieldName: 'title' }],
      errors: [{ message: 'title must be at most 250 characters' }],
    });
    expect(err.kind).toBe('bad_request');
    expect(err.message).toContain('malformed syntax');
    expect(err.message).toContain('title.too.long');
    expect(err.message).toContain('title must be at most 250 characters');
    expect(err.message).toContain('c-400');
  });

  it('reads Retry-After seconds on a 429', async () => {
    const err = await fail(
      429,
      {
        status: 429,
        code: 'too.many.requests.retry.after',
        message: 'Rate limit exceeded the maximum. Retry the request in [7] seconds',
      },
      { 'retry-after': '7', 'inin-ratelimit-allowed': '300', 'inin-ratelimit-count': '301' },
    );
    expect(err.kind).toBe('rate_limited');
    expect(err.retryAfterSeconds).toBe(7);
    expect(err.code).toBe('too.many.requests.retry.after');
  });

  it('reads a Retry-After HTTP date against the injected clock', async () => {
    const clock = new Clock();
    const err = await fail(429, {}, { 'retry-after': new Date(START + 45_000).toUTCString() }, clock.now);
    expect(err.retryAfterSeconds).toBe(45);
  });

  it("caps Retry-After at the client's ceiling (default 300 s, retryAfterMaxSeconds)", async () => {
    const huge = { 'retry-after': '99999999999999999999' };
    expect((await fail(429, { status: 429 }, huge)).retryAfterSeconds).toBe(300);
    mock.agent.get(API).intercept({ path: USER_PATH }).reply(429, { status: 429 }, { headers: huge });
    const err = (await makeClient(mock.agent, { retryAfterMaxSeconds: 60 })
      .getUser('u-1')
      .catch((e: unknown) => e)) as GenesysApiError;
    expect(err.retryAfterSeconds).toBe(60);
    expect(err.message).toContain('retry after 60 s');
  });

  it('defaults Retry-After to 1 s when missing', async () => {
    const err = await fail(429, { status: 429 });
    expect(err.retryAfterSeconds).toBe(1);
  });

  it('keeps a non-JSON error body readable', async () => {
    const err = await fail(502, '<html><body>Bad   Gateway</body></html>');
    expect(err.kind).toBe('server');
    expect(err.message).toContain('Bad Gateway');
  });
});

describe('transport failures (MockAgent)', () => {
  const mock = useMockAgent();

  it('maps a slow answer to timeout', async () => {
    mock.agent.get(API).intercept({ path: USER_PATH }).reply(200, { id: 'u-1', state: 'active' }).delay(5000);
    // The reply would come after 5 s and succeed: an error of kind 'timeout' can only be the 50 ms limit firing.
    const err = (await makeClient(mock.agent, { timeoutMs: 50 })
      .getUser('u-1')
      .catch((e: unknown) => e)) as GenesysApiError;
    expect(err.kind).toBe('timeout');
    expect(err.retryable).toBe(true);
  });

  it.each(['ECONNRESET', 'ECONNREFUSED', 'ENOTFOUND', 'UND_ERR_SOCKET'])(
    'maps %s to network',
    async (code) => {
      mock.agent
        .get(API)
        .intercept({ path: USER_PATH })
        .replyWithError(Object.assign(new Error(`socket failure ${code}`), { code }));
      const err = (await makeClient(mock.agent)
        .getUser('u-1')
        .catch((e: unknown) => e)) as GenesysApiError;
      expect(err.kind).toBe('network');
      expect(err.retryable).toBe(true);
      expect(err.code).toBe(code);
      expect(err.cause).toBeInstanceOf(Error);
    },
  );
});

describe('transport failures (real sockets, the client’s own Agent)', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    // Answers the token endpoint, never answers anything else.
    server = createServer((req, res) => {
      if (req.url === '/oauth/token') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ access_token: 'real-tok', expires_in: 3600 }));
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const client = (apiBase: string, loginBase: string) =>
    createGenesysClient({
      apiBase,
      loginBase,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      timeoutMs: 200,
    });

  it('maps a server that never answers to timeout', async () => {
    const c = client(base, base);
    try {
      const err = (await c.getUser('u-1').catch((e: unknown) => e)) as GenesysApiError;
      expect(err.kind).toBe('timeout');
    } finally {
      await c.close();
    }
  });

  it('maps a refused connection to network', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const c = client(`http://127.0.0.1:${port}`, base);
    try {
      const err = (await c.getUser('u-1').catch((e: unknown) => e)) as GenesysApiError;
      expect(err.kind).toBe('network');
      expect(err.code).toBe('ECONNREFUSED');
    } finally {
      await c.close();
    }
  });
});
