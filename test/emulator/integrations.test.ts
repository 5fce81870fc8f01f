/**
 * The registration endpoints an installer uses (OAuth clients, Client App integrations and their
 * config), over HTTP: a created CODE client signs a user in with PKCE, config versions, errors, control.
 */
import { createHash, randomBytes } from 'node:crypto';
import { startEmulator, type Emulator } from '../../src/emulator';
import { call, getToken } from './helpers';

const APP_URL =
  'https://alerts.example.com/agent-app/?gcHostOrigin={{gcHostOrigin}}&gcTargetEnv={{gcTargetEnv}}';
const REDIRECT = 'https://alerts.example.com/agent-app/';
const form = { 'content-type': 'application/x-www-form-urlencoded' };

describe('emulator: registering the agent app (OAuth clients, integrations)', () => {
  let emu: Emulator;
  let token: string;
  beforeAll(async () => {
    emu = await startEmulator({ users: [{ id: 'u-1', name: 'Jordan', email: 'jordan@example.com' }] });
  });
  afterAll(() => emu.close());
  beforeEach(async () => {
    emu.control.reset();
    token = await getToken(emu.url);
  });

  const api = (method: string, path: string, json?: unknown, t: string | undefined = token) =>
    call(emu.url, method, path, { token: t, json });

  const codeClient = (extra: Record<string, unknown> = {}) =>
    api('POST', '/api/v2/oauth/clients', {
      name: 'Desktop Alerts agent app',
      description: 'PKCE client of the agent app',
      authorizedGrantType: 'CODE',
      registeredRedirectUri: [REDIRECT],
      accessTokenValiditySeconds: 3600,
      ...extra,
    });

  async function createIntegration(name = 'Desktop Alerts') {
    const r = await api('POST', '/api/v2/integrations', {
      name,
      integrationType: { id: 'embedded-client-app' },
    });
    expect(r.status).toBe(200);
    return r.body;
  }

  const configBody = (version: number, url = APP_URL) => ({
    name: 'Desktop Alerts',
    version,
    properties: {
      url,
      sandbox: 'allow-scripts,allow-same-origin,allow-forms',
      displayType: 'standalone',
      groups: [],
    },
    advanced: { lifecycle: { ephemeral: false, hooks: { bootstrap: true, stop: true } } },
    notes: 'installed by the CLI',
    credentials: {},
  });

  it('creates a CODE client that signs a user in with PKCE and login_hint', async () => {
    const created = await codeClient();
    expect(created.status).toBe(200);
    const client = created.body;
    expect(client).toMatchObject({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'Desktop Alerts agent app',
      authorizedGrantType: 'CODE',
      registeredRedirectUri: [REDIRECT],
      accessTokenValiditySeconds: 3600,
      secret: expect.any(String),
      dateCreated: expect.any(String),
      selfUri: `/api/v2/oauth/clients/${client.id}`,
    });

    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const q = new URLSearchParams({
      response_type: 'code',
      client_id: client.id,
      redirect_uri: REDIRECT,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      login_hint: 'jordan@example.com',
      state: 's1',
    });
    const a = await fetch(`${emu.url}/oauth/authorize?${q}`, { redirect: 'manual' });
    expect(a.status).toBe(302);
    const code = new URL(a.headers.get('location')!).searchParams.get('code')!;
    const t = await call(emu.url, 'POST', '/oauth/token', {
      headers: form,
      raw: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT,
        client_id: client.id,
        code_verifier: verifier,
      }).toString(),
    });
    expect(t.status).toBe(200);
    expect(t.body.expires_in).toBe(3600);
    const me = await api('GET', '/api/v2/users/me', undefined, t.body.access_token);
    expect(me.body.id).toBe('u-1');

    // An unregistered redirect URI is refused for this client.
    q.set('redirect_uri', 'https://evil.example.com/');
    expect((await fetch(`${emu.url}/oauth/authorize?${q}`, { redirect: 'manual' })).status).toBe(400);
  });

  it('creates a CLIENT-CREDENTIALS client whose secret gets a token; TOKEN clients have no secret', async () => {
    const cc = await api('POST', '/api/v2/oauth/clients', {
      name: 'installer',
      authorizedGrantType: 'CLIENT-CREDENTIALS',
      roleDivisions: [{ roleId: 'r-1', divisionId: 'd-1' }],
    });
    expect(cc.status).toBe(200);
    expect(cc.body.accessTokenValiditySeconds).toBe(86400);
    const t = await getToken(emu.url, { clientId: cc.body.id, clientSecret: cc.body.secret });
    expect((await api('GET', '/api/v2/oauth/clients', undefined, t)).status).toBe(200);

    const implicit = await codeClient({ authorizedGrantType: 'TOKEN' });
    expect(implicit.status).toBe(200);
    expect(implicit.body.secret).toBeUndefined();
  });

  it('lists and gets clients without their secret', async () => {
    const c = (await codeClient()).body;
    const list = await api('GET', '/api/v2/oauth/clients');
    expect(list.status).toBe(200);
    expect(list.body.entities).toHaveLength(1);
    expect(list.body.entities[0]).toMatchObject({ id: c.id, name: c.name });
    expect(list.body.entities[0].secret).toBeUndefined();
    const one = await api('GET', `/api/v2/oauth/clients/${c.id}`);
    expect(one.body).toEqual(list.body.entities[0]);
    expect((await api('GET', '/api/v2/oauth/clients/nope')).status).toBe(404);
  });

  it('updates a client with PUT: new redirect URI in force at once, same id and secret', async () => {
    const c = (await codeClient()).body;
    const moved = 'https://alerts2.example.com/agent-app/';
    const put = await api('PUT', `/api/v2/oauth/clients/${c.id}`, {
      name: c.name,
      authorizedGrantType: 'CODE',
      registeredRedirectUri: [moved],
      scope: ['users:readonly'],
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ id: c.id, registeredRedirectUri: [moved], scope: ['users:readonly'] });
    expect(put.body.secret).toBeUndefined();
    const stored = emu.control.listOAuthClients().find((x) => x.id === c.id);
    expect(stored?.secret).toBe(c.secret);
    const authorize = (redirect: string) =>
      fetch(
        `${emu.url}/oauth/authorize?${new URLSearchParams({ response_type: 'code', client_id: c.id, redirect_uri: redirect, code_challenge: 'a'.repeat(43), code_challenge_method: 'S256', login_hint: 'u-1' })}`,
        { redirect: 'manual' },
      );
    expect((await authorize(moved)).status).toBe(302);
    expect((await authorize(REDIRECT)).status).toBe(400);
    expect(
      (
        await api('PUT', '/api/v2/oauth/clients/nope', {
          name: 'x',
          authorizedGrantType: 'CODE',
          registeredRedirectUri: [moved],
        })
      ).status,
    ).toBe(404);
    expect(
      (await api('PUT', `/api/v2/oauth/clients/${c.id}`, { name: 'x', authorizedGrantType: 'CODE' })).status,
    ).toBe(400);
  });

  it('creates an integration, puts its config with the current version, reads it back', async () => {
    const i = await createIntegration();
    expect(i).toMatchObject({
      id: expect.any(String),
      name: 'Desktop Alerts',
      integrationType: { id: 'embedded-client-app', name: 'Client Application' },
      intendedState: 'DISABLED',
      selfUri: `/api/v2/integrations/${i.id}`,
    });
    const cfg = await api('GET', `/api/v2/integrations/${i.id}/config/current`);
    expect(cfg.body).toMatchObject({ version: 1, properties: {}, advanced: {}, notes: '', credentials: {} });

    const put = await api('PUT', `/api/v2/integrations/${i.id}/config/current`, configBody(1));
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ ...configBody(2), id: i.id });
    const stale = await api('PUT', `/api/v2/integrations/${i.id}/config/current`, configBody(1, REDIRECT));
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ status: 409, code: 'conflict', contextId: expect.any(String) });
    const back = await api('GET', `/api/v2/integrations/${i.id}/config/current`);
    expect(back.body).toEqual(put.body);
    expect(back.body.properties.url).toBe(APP_URL);

    const expanded = await api('GET', `/api/v2/integrations/${i.id}?expand=config.current`);
    expect(expanded.body.config.current.version).toBe(2);
    expect((await api('GET', `/api/v2/integrations/${i.id}`)).body.config).toBeUndefined();

    const enabled = await api('PATCH', `/api/v2/integrations/${i.id}`, { intendedState: 'ENABLED' });
    expect(enabled.body).toMatchObject({ intendedState: 'ENABLED', reportedState: { code: 'ACTIVE' } });
    expect((await api('GET', '/api/v2/integrations/nope/config/current')).status).toBe(404);
  });

  it('lists integrations as an entity listing, filterable by type and ids', async () => {
    const a = await createIntegration('A');
    const b = await createIntegration('B');
    const all = await api('GET', '/api/v2/integrations?integrationType=embedded-client-app');
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ pageSize: 25, pageNumber: 1, total: 2, pageCount: 1 });
    expect(all.body.entities.map((e: { name: string }) => e.name)).toEqual(['A', 'B']);
    const byId = await api('GET', `/api/v2/integrations?ids=${b.id}`);
    expect(byId.body.entities.map((e: { id: string }) => e.id)).toEqual([b.id]);
    expect((await api('GET', '/api/v2/integrations?integrationType=other')).body.entities).toEqual([]);
    const page = await api('GET', '/api/v2/integrations?pageSize=1&pageNumber=2');
    expect(page.body).toMatchObject({ total: 2, pageCount: 2, entities: [{ id: b.id }] });
    expect((await api('GET', '/api/v2/integrations?pageSize=0')).status).toBe(400);
    expect(a.id).not.toBe(b.id);
  });

  it('answers 401 without or with a bad token', async () => {
    for (const [method, path] of [
      ['GET', '/api/v2/oauth/clients'],
      ['POST', '/api/v2/oauth/clients'],
      ['GET', '/api/v2/integrations'],
      ['PUT', '/api/v2/integrations/x/config/current'],
    ] as const) {
      const r = await call(emu.url, method, path, method === 'GET' ? {} : { json: {} });
      expect(r.status).toBe(401);
      expect(r.body.code).toBe('authentication.required');
    }
    expect((await api('GET', '/api/v2/integrations', undefined, 'bogus')).status).toBe(401);
  });

  it('answers 400 naming the field for malformed bodies', async () => {
    const fields = (r: { body: { details: { fieldName: string }[] } }) =>
      r.body.details.map((d) => d.fieldName);

    const noGrant = await api('POST', '/api/v2/oauth/clients', { name: 'x' });
    expect(noGrant.status).toBe(400);
    expect(noGrant.body).toMatchObject({ status: 400, code: 'bad.request', contextId: expect.any(String) });
    expect(fields(noGrant)).toEqual(['authorizedGrantType']);
    expect(fields(await codeClient({ registeredRedirectUri: [] }))).toEqual(['registeredRedirectUri']);
    expect(fields(await codeClient({ registeredRedirectUri: ['/relative'] }))).toEqual([
      'registeredRedirectUri',
    ]);
    expect(fields(await codeClient({ authorizedGrantType: 'IMPLICIT', name: '' }))).toEqual([
      'name',
      'authorizedGrantType',
    ]);
    expect(fields(await codeClient({ accessTokenValiditySeconds: 10 }))).toEqual([
      'accessTokenValiditySeconds',
    ]);
    expect(fields(await api('POST', '/api/v2/oauth/clients', [1]))).toEqual(['body']);

    expect(fields(await api('POST', '/api/v2/integrations', { name: 'x' }))).toEqual(['integrationType.id']);
    const wrongType = await api('POST', '/api/v2/integrations', {
      name: 'x',
      integrationType: { id: 'nope' },
    });
    expect(fields(wrongType)).toEqual(['integrationType.id']);

    const i = await createIntegration();
    const path = `/api/v2/integrations/${i.id}/config/current`;
    const { version: _v, ...noVersion } = configBody(1);
    expect(fields(await api('PUT', path, noVersion))).toEqual(['version']);
    const bad = { ...configBody(1), properties: { url: 'not a url', displayType: 'popup', groups: 'g' } };
    expect(fields(await api('PUT', path, bad))).toEqual([
      'properties.url',
      'properties.displayType',
      'properties.groups',
    ]);
    expect(fields(await api('PUT', path, { ...configBody(1), advanced: [] }))).toEqual(['advanced']);
    const notJson = await call(emu.url, 'PUT', path, {
      token,
      raw: '{',
      headers: { 'content-type': 'application/json' },
    });
    expect(notJson.status).toBe(400);
    expect((await api('GET', path)).body.version).toBe(1);
  });

  it('shows what was registered through the control API, and reset() forgets it', async () => {
    const c = (await codeClient()).body;
    const i = await createIntegration();
    await api('PUT', `/api/v2/integrations/${i.id}/config/current`, configBody(1));
    expect(emu.control.listOAuthClients()).toEqual([expect.objectContaining({ id: c.id, secret: c.secret })]);
    expect(emu.control.listIntegrations()[0]!.config.current.properties.url).toBe(APP_URL);
    const overHttp = await call(emu.url, 'GET', '/__emulator/integrations');
    expect(overHttp.body[0].config.current).toMatchObject({ version: 2, properties: { url: APP_URL } });
    expect((await call(emu.url, 'GET', '/__emulator/oauth-clients')).body[0].id).toBe(c.id);

    emu.control.reset();
    expect(emu.control.listOAuthClients()).toEqual([]);
    expect(emu.control.listIntegrations()).toEqual([]);
    const verifier = randomBytes(32).toString('base64url');
    const q = new URLSearchParams({
      response_type: 'code',
      client_id: c.id,
      redirect_uri: REDIRECT,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    });
    expect((await fetch(`${emu.url}/oauth/authorize?${q}`, { redirect: 'manual' })).status).toBe(400);
  });
});
