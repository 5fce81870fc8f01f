/** The PKCE sign-in (GET /oauth/authorize, the authorization_code grant) and GET /api/v2/users/me, over HTTP. */
import { createHash, randomBytes } from 'node:crypto';
import { startEmulator, type Emulator } from '../../src/emulator';
import { call, getToken, sleep } from './helpers';

const APP = 'emulator-agent-app';
const REDIRECT = 'http://127.0.0.1:5173/callback';
const form = { 'content-type': 'application/x-www-form-urlencoded' };

function pkcePair() {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  return { verifier, challenge };
}

describe('emulator: PKCE sign-in and users/me', () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await startEmulator({
      users: [
        { id: 'u-1', name: 'Jordan <b>&', email: 'jordan@example.com' },
        { id: 'u-2', name: 'Sam', email: 'sam@example.com' },
        { id: 'u-3', name: 'Gone', email: 'gone@example.com', state: 'inactive' },
      ],
    });
  });
  afterAll(() => emu.close());
  beforeEach(() => emu.control.reset());

  /** GET /oauth/authorize without following redirects. */
  async function authorize(params: Record<string, string>) {
    const res = await fetch(`${emu.url}/oauth/authorize?${new URLSearchParams(params)}`, {
      redirect: 'manual',
    });
    return { status: res.status, location: res.headers.get('location'), text: await res.text(), res };
  }

  function authParams(challenge: string, extra: Record<string, string> = {}) {
    return {
      response_type: 'code',
      client_id: APP,
      redirect_uri: REDIRECT,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state: 'st-42',
      ...extra,
    };
  }

  async function codeFor(challenge: string, hint = 'jordan@example.com'): Promise<string> {
    const a = await authorize(authParams(challenge, { login_hint: hint }));
    expect(a.status).toBe(302);
    return new URL(a.location!).searchParams.get('code')!;
  }

  const exchange = (fields: Record<string, string>) =>
    call(emu.url, 'POST', '/oauth/token', {
      raw: new URLSearchParams({ grant_type: 'authorization_code', ...fields }).toString(),
      headers: form,
    });

  async function signIn(hint = 'u-1'): Promise<string> {
    const { verifier, challenge } = pkcePair();
    const code = await codeFor(challenge, hint);
    const t = await exchange({ code, redirect_uri: REDIRECT, client_id: APP, code_verifier: verifier });
    expect(t.status).toBe(200);
    return t.body.access_token as string;
  }

  it('signs in with login_hint: 302 with code and state, then a user token for that user', async () => {
    const { verifier, challenge } = pkcePair();
    const a = await authorize(authParams(challenge, { login_hint: 'jordan@example.com' }));
    expect(a.status).toBe(302);
    const loc = new URL(a.location!);
    expect(`${loc.origin}${loc.pathname}`).toBe(REDIRECT);
    expect(loc.searchParams.get('state')).toBe('st-42');
    const code = loc.searchParams.get('code')!;
    expect(code).toMatch(/^[A-Za-z0-9_-]{20,}$/);

    const t = await exchange({ code, redirect_uri: REDIRECT, client_id: APP, code_verifier: verifier });
    expect(t.status).toBe(200);
    expect(t.body).toEqual({ access_token: expect.any(String), token_type: 'bearer', expires_in: 86400 });
    expect(t.headers.get('cache-control')).toBe('no-store');

    const me = await call(emu.url, 'GET', '/api/v2/users/me', { token: t.body.access_token });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ id: 'u-1', email: 'jordan@example.com' });
    expect(emu.control.stats().tokens).toMatchObject({ issued: 1, authorizations: 1, codeExchanges: 1 });
  });

  it('users/me has the shape of users/{id}, expands included', async () => {
    const token = await signIn('u-2');
    const me = await call(emu.url, 'GET', '/api/v2/users/me?expand=presence', { token });
    const byId = await call(emu.url, 'GET', '/api/v2/users/u-2?expand=presence', { token });
    expect(me.status).toBe(200);
    expect(me.body).toEqual(byId.body);
    expect(me.body.presence).toBeDefined();
  });

  it('without login_hint shows a picker of active users, escaped, whose links complete the redirect', async () => {
    const { verifier, challenge } = pkcePair();
    const a = await authorize(authParams(challenge));
    expect(a.status).toBe(200);
    expect(a.res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(a.res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(a.text).toContain('Jordan &#60;b&#62;&#38;');
    expect(a.text).not.toContain('<b>');
    expect(a.text).toContain('Sam');
    expect(a.text).not.toContain('Gone');
    const hrefs = [...a.text.matchAll(/href="([^"]+)"/g)].map((m) => m[1]!.replace(/&#38;/g, '&'));
    expect(hrefs).toHaveLength(2);
    const samLink = hrefs.find((h) => h.includes('login_hint=u-2'))!;
    const res = await fetch(emu.url + samLink, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const loc = new URL(res.headers.get('location')!);
    expect(loc.searchParams.get('state')).toBe('st-42');
    const t = await exchange({
      code: loc.searchParams.get('code')!,
      redirect_uri: REDIRECT,
      client_id: APP,
      code_verifier: verifier,
    });
    const me = await call(emu.url, 'GET', '/api/v2/users/me', { token: t.body.access_token });
    expect(me.body.id).toBe('u-2');
  });

  it('refuses a code used twice (invalid_grant)', async () => {
    const { verifier, challenge } = pkcePair();
    const code = await codeFor(challenge);
    const fields = { code, redirect_uri: REDIRECT, client_id: APP, code_verifier: verifier };
    expect((await exchange(fields)).status).toBe(200);
    const again = await exchange(fields);
    expect(again.status).toBe(400);
    expect(again.body).toMatchObject({ error: 'invalid_grant', error_description: expect.any(String) });
  });

  it('refuses a wrong code_verifier, and the code is burnt by the attempt', async () => {
    const { verifier, challenge } = pkcePair();
    const code = await codeFor(challenge);
    const wrong = await exchange({
      code,
      redirect_uri: REDIRECT,
      client_id: APP,
      code_verifier: pkcePair().verifier,
    });
    expect(wrong).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    const right = await exchange({ code, redirect_uri: REDIRECT, client_id: APP, code_verifier: verifier });
    expect(right).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(emu.control.stats().tokens).toMatchObject({ codeExchanges: 0, codesRejected: 2 });
  });

  it('refuses a redirect_uri other than the authorization request one', async () => {
    const { verifier, challenge } = pkcePair();
    const code = await codeFor(challenge);
    const res = await exchange({
      code,
      redirect_uri: 'http://127.0.0.1:5173/other',
      client_id: APP,
      code_verifier: verifier,
    });
    expect(res).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('answers invalid_request for missing parameters', async () => {
    const res = await exchange({ code: 'x', client_id: APP, code_verifier: pkcePair().verifier });
    expect(res).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
  });

  it('answers a 400 page, never a redirect, for an unknown client or an unregistered redirect_uri', async () => {
    const { challenge } = pkcePair();
    const unknown = await authorize(authParams(challenge, { client_id: 'nobody', login_hint: 'u-1' }));
    expect(unknown.status).toBe(400);
    expect(unknown.location).toBeNull();
    expect(unknown.text).toContain('client_id');
    const evil = await authorize(authParams(challenge, { redirect_uri: 'https://evil.example/cb' }));
    expect(evil.status).toBe(400);
    expect(evil.location).toBeNull();
    // A confidential client-credentials client may not use this grant either.
    const cc = await authorize(authParams(challenge, { client_id: 'emulator-client' }));
    expect(cc.status).toBe(400);
    expect(cc.location).toBeNull();
  });

  it('redirects with error=invalid_request for plain or a missing challenge, unsupported_response_type', async () => {
    const { challenge } = pkcePair();
    const errorOf = async (extra: Record<string, string>) => {
      const a = await authorize(authParams(challenge, { login_hint: 'u-1', ...extra }));
      expect(a.status).toBe(302);
      const loc = new URL(a.location!);
      expect(loc.searchParams.get('state')).toBe('st-42');
      expect(loc.searchParams.get('code')).toBeNull();
      return loc.searchParams.get('error');
    };
    expect(await errorOf({ code_challenge_method: 'plain', code_challenge: 'a'.repeat(43) })).toBe(
      'invalid_request',
    );
    expect(await errorOf({ code_challenge: '' })).toBe('invalid_request');
    expect(await errorOf({ response_type: 'token' })).toBe('unsupported_response_type');
    expect(emu.control.stats().tokens.authorizations).toBe(0);
  });

  it('users/me with a client credentials token is 400 not.a.user; without or with a bad token 401', async () => {
    const token = await getToken(emu.url);
    const me = await call(emu.url, 'GET', '/api/v2/users/me', { token });
    expect(me.status).toBe(400);
    expect(me.body).toMatchObject({ status: 400, code: 'not.a.user' });
    expect((await call(emu.url, 'GET', '/api/v2/users/me')).body).toMatchObject({
      status: 401,
      code: 'authentication.required',
    });
    expect((await call(emu.url, 'GET', '/api/v2/users/me', { token: 'nope' })).body).toMatchObject({
      status: 401,
      code: 'bad.credentials',
    });
  });

  it('user tokens go through the pipeline: logged with their client, revoked and expired by client', async () => {
    const token = await signIn();
    expect((await call(emu.url, 'GET', '/api/v2/users/me', { token })).status).toBe(200);
    expect(emu.control.listRequests({ pathPrefix: '/api/v2/users/me' })[0]).toMatchObject({
      route: 'GET /api/v2/users/me',
      clientId: APP,
      status: 200,
    });
    emu.control.forceStatus({ status: 503, pathPrefix: '/api/v2/users/me' });
    expect((await call(emu.url, 'GET', '/api/v2/users/me', { token })).status).toBe(503);
    expect(emu.control.revokeTokens({ clientId: APP })).toBe(1);
    expect((await call(emu.url, 'GET', '/api/v2/users/me', { token })).status).toBe(401);

    const second = await signIn();
    expect(emu.control.expireTokens({ clientId: APP })).toBe(1);
    expect((await call(emu.url, 'GET', '/api/v2/users/me', { token: second })).status).toBe(401);
  });

  it('refuses an expired code (60 s × timeScale)', async () => {
    emu.control.setConfig({ timeScale: 0.005 }); // 300 ms
    const { verifier, challenge } = pkcePair();
    const code = await codeFor(challenge);
    await sleep(400);
    const res = await exchange({ code, redirect_uri: REDIRECT, client_id: APP, code_verifier: verifier });
    expect(res).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(res.body.error_description).toContain('expired');
  });

  it('accepts configured clients with exact redirect URIs only', async () => {
    emu.control.addClient({ clientId: 'app2', grant: 'authorization_code', redirectUris: [REDIRECT] });
    const { challenge } = pkcePair();
    const ok = await authorize(authParams(challenge, { client_id: 'app2', login_hint: 'u-1' }));
    expect(ok.status).toBe(302);
    const other = await authorize(
      authParams(challenge, { client_id: 'app2', redirect_uri: 'http://127.0.0.1:5174/callback' }),
    );
    expect(other.status).toBe(400);
    expect(() =>
      emu.control.addClient({ clientId: 'x', grant: 'authorization_code', clientSecret: 's' }),
    ).toThrow(/public/);
  });
});
