/**
 * What a Client App page on another origin needs from the login and API hosts: CORS on POST /oauth/token and the
 * API (preflights answered 204 before auth), and GET /api/v2/tokens/me, which the platform SDK's browser build
 * calls to test every new token.
 */
import { createHash, randomBytes } from 'node:crypto';
import { startEmulator, type Emulator } from '../../src/emulator';
import { call, getToken } from './helpers';

const APP_ORIGIN = 'http://127.0.0.1:5173';
const REDIRECT = `${APP_ORIGIN}/agent-app/`;

describe('emulator: CORS and tokens/me', () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await startEmulator({ users: [{ id: 'u-1', name: 'Jordan', email: 'jordan@example.com' }] });
  });
  afterAll(() => emu.close());
  beforeEach(() => emu.control.reset());

  async function userToken(): Promise<string> {
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const auth = await fetch(
      `${emu.url}/oauth/authorize?${new URLSearchParams({
        response_type: 'code',
        client_id: 'emulator-agent-app',
        redirect_uri: REDIRECT,
        code_challenge: challenge,
        code_challenge_method: 'S256',
        login_hint: 'u-1',
      })}`,
      { redirect: 'manual' },
    );
    const code = new URL(auth.headers.get('location')!).searchParams.get('code')!;
    const res = await call(emu.url, 'POST', '/oauth/token', {
      raw: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT,
        client_id: 'emulator-agent-app',
        code_verifier: verifier,
      }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: APP_ORIGIN },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    return res.body.access_token as string;
  }

  const preflight = (path: string, method: string, headers: string) =>
    fetch(`${emu.url}${path}`, {
      method: 'OPTIONS',
      headers: {
        origin: APP_ORIGIN,
        'access-control-request-method': method,
        'access-control-request-headers': headers,
      },
    });

  it('answers preflights for the API and the token endpoint with 204, before auth and outside the request log', async () => {
    for (const [path, method] of [
      ['/api/v2/tokens/me', 'GET'],
      ['/api/v2/users/me', 'GET'],
      ['/oauth/token', 'POST'],
    ] as const) {
      const res = await preflight(path, method, 'authorization,content-type');
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
      expect(res.headers.get('access-control-allow-headers')).toBe('authorization, content-type');
      expect(res.headers.get('access-control-allow-methods')).toContain(method);
      expect(res.headers.get('vary')).toBe('Origin');
      expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    }
    expect(emu.control.listRequests()).toEqual([]);
    expect(emu.control.stats().tokens.rejected).toBe(0);
  });

  it('echoes the Origin on answers, errors included, and says nothing without an Origin', async () => {
    const bad = await call(emu.url, 'GET', '/api/v2/users/me', {
      token: 'nope',
      headers: { origin: APP_ORIGIN },
    });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    expect(bad.headers.get('access-control-expose-headers')).toContain('ININ-Correlation-Id');
    expect(bad.headers.get('vary')).toBe('Origin');

    const other = await call(emu.url, 'GET', '/api/v2/users/me', {
      token: 'nope',
      headers: { origin: 'https://elsewhere.example' },
    });
    expect(other.headers.get('access-control-allow-origin')).toBe('https://elsewhere.example');

    const plain = await call(emu.url, 'GET', '/api/v2/users/me', { token: 'nope' });
    expect(plain.headers.get('access-control-allow-origin')).toBeNull();
    expect(plain.headers.get('vary')).toBe('Origin');

    // Not the login page, the control API or the desktop shell: those are no script's cross-origin calls.
    for (const path of ['/__emulator/stats', '/desktop?agent=u-1']) {
      const res = await fetch(`${emu.url}${path}`, { headers: { origin: APP_ORIGIN } });
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
    }
  });

  it('GET /api/v2/tokens/me describes a user token (TokenInfo) and is an ordinary API call', async () => {
    const token = await userToken();
    const res = await call(emu.url, 'GET', '/api/v2/tokens/me', { token, headers: { origin: APP_ORIGIN } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    expect(res.body).toEqual({
      organization: { id: expect.any(String), name: expect.any(String) },
      homeOrganization: { id: expect.any(String), name: expect.any(String) },
      authorizedScope: [],
      OAuthClient: {
        id: 'emulator-agent-app',
        name: 'emulator-agent-app',
        authorizedGrantType: 'CODE',
        scope: [],
        state: 'active',
        organization: res.body.organization,
      },
    });
    expect(res.body.clonedUser).toBeUndefined();
    expect(emu.control.listRequests({ pathPrefix: '/api/v2/tokens/me' })).toEqual([
      expect.objectContaining({
        route: 'GET /api/v2/tokens/me',
        status: 200,
        clientId: 'emulator-agent-app',
      }),
    ]);
  });

  it('GET /api/v2/tokens/me: a client credentials token, a registered client, and 401 for a bad or revoked token', async () => {
    const token = await getToken(emu.url);
    const cc = await call(emu.url, 'GET', '/api/v2/tokens/me', { token });
    expect(cc.status).toBe(200);
    expect(cc.body.OAuthClient).toMatchObject({
      id: 'emulator-client',
      authorizedGrantType: 'CLIENT-CREDENTIALS',
    });

    const created = await call(emu.url, 'POST', '/api/v2/oauth/clients', {
      token,
      json: { name: 'Reporting', authorizedGrantType: 'CLIENT-CREDENTIALS', scope: ['users:readonly'] },
    });
    expect(created.status).toBe(200);
    const own = await getToken(emu.url, { clientId: created.body.id, clientSecret: created.body.secret });
    const info = await call(emu.url, 'GET', '/api/v2/tokens/me', { token: own });
    expect(info.body).toMatchObject({
      authorizedScope: ['users:readonly'],
      OAuthClient: { id: created.body.id, name: 'Reporting', scope: ['users:readonly'] },
    });

    const bad = await call(emu.url, 'GET', '/api/v2/tokens/me', { token: 'not-a-token' });
    expect(bad.status).toBe(401);
    expect(bad.body).toMatchObject({ status: 401, code: 'bad.credentials' });
    const none = await call(emu.url, 'GET', '/api/v2/tokens/me');
    expect(none.status).toBe(401);
    emu.control.revokeTokens({ clientId: 'emulator-client' });
    expect((await call(emu.url, 'GET', '/api/v2/tokens/me', { token })).status).toBe(401);
  });
});
