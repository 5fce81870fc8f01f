import { startEmulator, type Emulator } from '../../src/emulator';
import { call, CLIENT, getToken } from './helpers';

const form = { 'content-type': 'application/x-www-form-urlencoded' };
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

describe('emulator: OAuth client credentials', () => {
  let emu: Emulator;
  /** The emulator's expiry clock runs this far ahead of the real one: tests step past an expiry, not sleep. */
  let clockAheadMs = 0;
  beforeAll(async () => {
    emu = await startEmulator({
      clients: [CLIENT, { clientId: 'other', clientSecret: 'other-secret', tokenLifetimeSeconds: 300 }],
      now: () => Date.now() + clockAheadMs,
    });
  });
  afterAll(() => emu.close());
  beforeEach(() => {
    clockAheadMs = 0;
    emu.control.reset();
  });

  const token = (raw: string, headers: Record<string, string> = {}) =>
    call(emu.url, 'POST', '/oauth/token', { raw, headers: { ...form, ...headers } });
  const me = (t?: string) => call(emu.url, 'GET', '/api/v2/users/nobody/routingstatus', { token: t });

  it('issues a bearer token with HTTP Basic credentials', async () => {
    const res = await token('grant_type=client_credentials', {
      authorization: basic(CLIENT.clientId, CLIENT.clientSecret),
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ access_token: expect.any(String), token_type: 'bearer', expires_in: 86400 });
    expect(res.headers.get('inin-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect((await me((res.body as { access_token: string }).access_token)).status).toBe(200);
  });

  it('accepts credentials as form fields, and per-client lifetimes', async () => {
    const res = await token('grant_type=client_credentials&client_id=other&client_secret=other-secret');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ token_type: 'bearer', expires_in: 300 });
  });

  it('rejects bad credentials with invalid_client (401 with Basic, 400 with form fields)', async () => {
    const a = await token('grant_type=client_credentials', {
      authorization: basic(CLIENT.clientId, 'wrong'),
    });
    expect(a.status).toBe(401);
    expect(a.body).toMatchObject({ error: 'invalid_client' });
    expect(a.headers.get('www-authenticate')).toContain('Basic');
    const b = await token('grant_type=client_credentials&client_id=nobody&client_secret=x');
    expect(b.status).toBe(400);
    expect(b.body).toMatchObject({ error: 'invalid_client' });
    const c = await token('grant_type=client_credentials');
    expect(c.status).toBe(400);
    expect(c.body).toMatchObject({ error: 'invalid_client' });
  });

  it('rejects other grants, a missing grant and a non-form body', async () => {
    const a = await token('grant_type=password&username=x&password=y', {
      authorization: basic(CLIENT.clientId, CLIENT.clientSecret),
    });
    expect(a.status).toBe(400);
    expect(a.body).toMatchObject({ error: 'unsupported_grant_type' });
    const b = await token('', { authorization: basic(CLIENT.clientId, CLIENT.clientSecret) });
    expect(b).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    const c = await call(emu.url, 'POST', '/oauth/token', {
      json: { grant_type: 'client_credentials' },
      headers: { authorization: basic(CLIENT.clientId, CLIENT.clientSecret) },
    });
    expect(c).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
  });

  it('answers 401 with a Genesys error body without a token or with an unknown one', async () => {
    const a = await me();
    expect(a.status).toBe(401);
    expect(a.body).toEqual({
      message: expect.any(String),
      code: 'authentication.required',
      status: 401,
      contextId: a.headers.get('inin-correlation-id'),
      details: [],
      errors: [],
    });
    const b = await me('not-a-token');
    expect(b).toMatchObject({ status: 401, body: { code: 'bad.credentials', status: 401 } });
  });

  it('revoked tokens die mid-use (all, or one client only)', async () => {
    const t1 = await getToken(emu.url);
    const t2 = await getToken(emu.url, { clientId: 'other', clientSecret: 'other-secret' });
    expect((await me(t1)).status).toBe(200);
    expect(emu.control.revokeTokens({ clientId: CLIENT.clientId })).toBe(1);
    expect((await me(t1)).status).toBe(401);
    expect((await me(t2)).status).toBe(200);
    const t3 = await getToken(emu.url);
    expect((await me(t3)).status).toBe(200);
    expect(emu.control.revokeTokens()).toBe(2);
    expect((await me(t2)).status).toBe(401);
    expect((await me(t3)).status).toBe(401);
  });

  it('tokens can be made to die after N more calls or after a delay (mid-batch expiry)', async () => {
    const t = await getToken(emu.url);
    emu.control.expireTokens({ afterRequests: 2 });
    expect((await me(t)).status).toBe(200);
    expect((await me(t)).status).toBe(200);
    expect((await me(t)).status).toBe(401);
    const t2 = await getToken(emu.url);
    expect((await me(t2)).status).toBe(200);
    // A minute: no stall of the test process reaches it; the clock is moved past it instead.
    emu.control.expireTokens({ afterMs: 60_000 });
    expect((await me(t2)).status).toBe(200);
    clockAheadMs = 60_000;
    expect((await me(t2)).status).toBe(401);
    expect(emu.control.stats().tokens).toMatchObject({ issued: 2, active: 0 });
  });

  it('tokens expire after their configured lifetime', async () => {
    emu.control.setConfig({ tokenLifetimeSeconds: 60 });
    const res = await token('grant_type=client_credentials', {
      authorization: basic(CLIENT.clientId, CLIENT.clientSecret),
    });
    expect(res.body).toMatchObject({ expires_in: 60 });
    const t = (res.body as { access_token: string }).access_token;
    expect((await me(t)).status).toBe(200);
    clockAheadMs = 59_000; // not yet: the lifetime is the configured one, not some shorter default
    expect((await me(t)).status).toBe(200);
    clockAheadMs = 60_000;
    expect((await me(t)).status).toBe(401);
  });

  it('token revocation works over the control HTTP API', async () => {
    const t = await getToken(emu.url);
    const r = await call(emu.url, 'POST', '/__emulator/tokens/revoke', { json: {} });
    expect(r).toMatchObject({ status: 200, body: { revoked: 1 } });
    expect((await me(t)).status).toBe(401);
    const t2 = await getToken(emu.url);
    expect(
      await call(emu.url, 'POST', '/__emulator/tokens/expire', { json: { afterRequests: 0 } }),
    ).toMatchObject({ body: { expired: 1 } });
    expect((await me(t2)).status).toBe(401);
  });
});
