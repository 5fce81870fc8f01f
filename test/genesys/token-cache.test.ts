import type { MockAgent } from 'undici';
import { GenesysApiError, TokenCache, tokenTtlSeconds } from '../../src/genesys';
import {
  bodyOf,
  CLIENT_ID,
  CLIENT_SECRET,
  Clock,
  headerOf,
  LOGIN,
  mockTokens,
  newMockAgent,
} from './helpers';

describe('tokenTtlSeconds', () => {
  it.each([
    [86_400, 3500], // default 24 h lifetime: capped at 3,500 s
    [3600, 3500],
    [3601, 3500],
    [1000, 900], // expires_in - 100
    [300, 200], // Genesys's shortest lifetime
    [150, 75], // margin would eat over half: half the lifetime
    [60, 30],
    [undefined, 200], // unknown lifetime: assume the shortest Genesys allows
    [0, 200],
    [Number.NaN, 200],
  ])('expires_in %p -> %p s', (expiresIn, ttl) => {
    expect(tokenTtlSeconds(expiresIn)).toBe(ttl);
  });
});

describe('TokenCache', () => {
  let agent: MockAgent;
  let clock: Clock;
  const cache = (timeoutMs?: number) =>
    new TokenCache({
      loginBase: `${LOGIN}/`,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      dispatcher: agent,
      now: clock.now,
      timeoutMs,
    });

  beforeEach(() => {
    agent = newMockAgent();
    clock = new Clock();
  });
  afterEach(async () => {
    await agent.close();
  });

  it('requests client credentials with HTTP Basic auth and a form body', async () => {
    const server = mockTokens(agent);
    await expect(cache().getToken()).resolves.toBe('tok-1');
    const req = server.last!;
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/oauth/token');
    expect(headerOf(req, 'content-type')).toBe('application/x-www-form-urlencoded');
    expect(headerOf(req, 'authorization')).toBe(
      `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`,
    );
    expect(bodyOf(req)).toBe('grant_type=client_credentials');
  });

  it('caches the token and reuses it', async () => {
    const server = mockTokens(agent);
    const tokens = cache();
    expect(await tokens.getToken()).toBe('tok-1');
    clock.advanceSeconds(1000);
    expect(await tokens.getToken()).toBe('tok-1');
    expect(server.calls).toBe(1);
  });

  it('refreshes expires_in - 100 s after issue', async () => {
    const server = mockTokens(agent, 1000);
    const tokens = cache();
    expect(await tokens.getToken()).toBe('tok-1');
    clock.advanceSeconds(899);
    expect(await tokens.getToken()).toBe('tok-1');
    clock.advanceSeconds(1);
    expect(await tokens.getToken()).toBe('tok-2');
    expect(server.calls).toBe(2);
  });

  it('never keeps a token longer than 3,500 s, even when it lives 24 h', async () => {
    const server = mockTokens(agent, 86_400);
    const tokens = cache();
    expect(await tokens.getToken()).toBe('tok-1');
    clock.advanceSeconds(3499);
    expect(await tokens.getToken()).toBe('tok-1');
    clock.advanceSeconds(1);
    expect(await tokens.getToken()).toBe('tok-2');
    expect(server.calls).toBe(2);
  });

  it('keeps a 300 s token for 200 s', async () => {
    const server = mockTokens(agent, 300);
    const tokens = cache();
    await tokens.getToken();
    clock.advanceSeconds(199);
    expect(await tokens.getToken()).toBe('tok-1');
    clock.advanceSeconds(1);
    expect(await tokens.getToken()).toBe('tok-2');
    expect(server.calls).toBe(2);
  });

  it('shares one in-flight refresh among 50 concurrent callers', async () => {
    const server = mockTokens(agent);
    const tokens = cache();
    const got = await Promise.all(Array.from({ length: 50 }, () => tokens.getToken()));
    expect(new Set(got)).toEqual(new Set(['tok-1']));
    expect(server.calls).toBe(1);
  });

  it('invalidate drops the token only while it is still the cached one', async () => {
    const server = mockTokens(agent);
    const tokens = cache();
    const failed = await tokens.getToken();
    expect(tokens.invalidate(failed)).toBe(true);
    expect(await tokens.getToken()).toBe('tok-2');
    // Late 401s for tok-1 must not throw tok-2 away.
    expect(tokens.invalidate(failed)).toBe(false);
    expect(tokens.invalidate(failed)).toBe(false);
    expect(await tokens.getToken()).toBe('tok-2');
    expect(server.calls).toBe(2);
  });

  it('lets the next caller retry after a failed refresh', async () => {
    agent.get(LOGIN).intercept({ path: '/oauth/token', method: 'POST' }).reply(503, 'unavailable');
    const tokens = cache();
    const err = await tokens.getToken().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GenesysApiError);
    expect((err as GenesysApiError).kind).toBe('server');
    expect((err as GenesysApiError).retryable).toBe(true);
    const server = mockTokens(agent);
    expect(await tokens.getToken()).toBe('tok-1');
    expect(server.calls).toBe(1);
  });

  it.each([400, 401])('maps %p invalid_client to a non-retryable, readable error', async (status) => {
    agent
      .get(LOGIN)
      .intercept({ path: '/oauth/token', method: 'POST' })
      .reply(
        status,
        { error: 'invalid_client', description: 'client not found' },
        { headers: { 'inin-correlation-id': 'oauth-bad' } },
      );
    const err = (await cache()
      .getToken()
      .catch((e: unknown) => e)) as GenesysApiError;
    expect(err).toBeInstanceOf(GenesysApiError);
    expect(err.kind).toBe('invalid_client');
    expect(err.retryable).toBe(false);
    expect(err.status).toBe(status);
    expect(err.code).toBe('invalid_client');
    expect(err.correlationId).toBe('oauth-bad');
    expect(err.message).toMatch(/rejected the OAuth client credentials/);
    expect(err.message).toMatch(/GENESYS_CLIENT_ID/);
    expect(err.message).not.toContain(CLIENT_SECRET);
  });

  it('reads error_description from a standard OAuth error body', async () => {
    agent
      .get(LOGIN)
      .intercept({ path: '/oauth/token', method: 'POST' })
      .reply(400, { error: 'invalid_client', error_description: 'bad secret' });
    const err = (await cache()
      .getToken()
      .catch((e: unknown) => e)) as GenesysApiError;
    expect(err.kind).toBe('invalid_client');
    expect(err.message).toContain('bad secret');
  });

  it('maps another OAuth 400 (unsupported_grant_type) to a non-retryable bad_request', async () => {
    agent
      .get(LOGIN)
      .intercept({ path: '/oauth/token', method: 'POST' })
      .reply(400, { error: 'unsupported_grant_type' });
    const err = (await cache()
      .getToken()
      .catch((e: unknown) => e)) as GenesysApiError;
    expect(err.kind).toBe('bad_request');
    expect(err.retryable).toBe(false);
    expect(err.code).toBe('unsupported_grant_type');
  });

  it('maps a token endpoint network failure to a retryable network error', async () => {
    agent
      .get(LOGIN)
      .intercept({ path: '/oauth/token', method: 'POST' })
      .replyWithError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    const err = (await cache()
      .getToken()
      .catch((e: unknown) => e)) as GenesysApiError;
    expect(err.kind).toBe('network');
    expect(err.retryable).toBe(true);
  });

  it('maps a token endpoint that does not answer in time to a timeout', async () => {
    agent
      .get(LOGIN)
      .intercept({ path: '/oauth/token', method: 'POST' })
      .reply(200, { access_token: 'x', expires_in: 3600 })
      .delay(5000);
    const err = (await cache(50)
      .getToken()
      .catch((e: unknown) => e)) as GenesysApiError;
    expect(err.kind).toBe('timeout');
    expect(err.retryable).toBe(true);
  });

  it('rejects a 200 without an access_token', async () => {
    agent.get(LOGIN).intercept({ path: '/oauth/token', method: 'POST' }).reply(200, { token_type: 'bearer' });
    const err = (await cache()
      .getToken()
      .catch((e: unknown) => e)) as GenesysApiError;
    expect(err.kind).toBe('server');
    expect(err.message).toMatch(/access_token/);
  });
});
