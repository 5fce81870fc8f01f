/**
 * `desktop-alerts genesys install-app` against the real emulator over HTTP: the first run registers the agent
 * app, a second changes nothing, a new public URL updates both, --dry-run writes nothing, refusals are explained.
 * What is on the "org" is read through the emulator's control API.
 */
import { startEmulator, type Emulator } from '../../src/emulator';
import { cli } from './helpers';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- control answers are read loosely
type Loose = any;

const PUBLIC = 'https://alerts.example.com';
const APP_QUERY =
  '?gcHostOrigin={{gcHostOrigin}}&gcTargetEnv={{gcTargetEnv}}&gcLangTag={{gcLangTag}}&gcUseDarkTheme={{gcUseDarkTheme}}';

describe('cli: genesys install-app', () => {
  let emu: Emulator;
  let env: Record<string, string>;
  beforeAll(async () => {
    emu = await startEmulator({
      port: 0,
      users: [{ id: 'u-1', name: 'Jordan', email: 'jordan@example.com' }],
    });
    env = {
      GENESYS_API_BASE: emu.url,
      GENESYS_LOGIN_BASE: emu.url,
      GENESYS_CLIENT_ID: 'emulator-client',
      GENESYS_CLIENT_SECRET: 'emulator-secret',
    };
  });
  afterAll(() => emu.close());
  beforeEach(() => emu.control.reset());

  const control = async (what: 'oauth-clients' | 'integrations'): Promise<Loose[]> => {
    const res = await fetch(`${emu.url}/__emulator/${what}`);
    expect(res.status).toBe(200);
    return (await res.json()) as Loose[];
  };
  const install = (...args: string[]) =>
    cli(['genesys', 'install-app', '--public-url', PUBLIC, ...args], env);

  it('first run creates the PKCE client and the enabled Client App, and prints the client id', async () => {
    const r = await install('--group', 'g-1', '--group', 'g-2');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);

    const [client, ...moreClients] = await control('oauth-clients');
    expect(moreClients).toEqual([]);
    expect(client).toMatchObject({
      name: 'Desktop alerts',
      authorizedGrantType: 'CODE',
      registeredRedirectUri: [`${PUBLIC}/agent-app/`],
      scope: ['users:readonly'],
    });
    expect(r.stdout).toContain(`GENESYS_APP_CLIENT_ID=${client.id}\n`);
    expect(r.stdout).toMatch(/OAuth client "Desktop alerts" .*: created/);
    expect(r.stdout).not.toContain(client.secret); // never a secret

    const [app, ...moreApps] = await control('integrations');
    expect(moreApps).toEqual([]);
    expect(app).toMatchObject({
      name: 'Desktop alerts',
      integrationType: { id: 'embedded-client-app' },
      intendedState: 'ENABLED',
    });
    expect(app.config.current).toMatchObject({
      properties: {
        url: `${PUBLIC}/agent-app/${APP_QUERY}`,
        displayType: 'standalone',
        sandbox:
          'allow-forms,allow-modals,allow-popups,allow-presentation,allow-same-origin,allow-scripts,allow-downloads',
        groups: ['g-1', 'g-2'],
      },
      advanced: { lifecycle: { ephemeral: false, hooks: { bootstrap: true, stop: true } } },
    });
  });

  it('second run changes nothing and says so', async () => {
    expect((await install()).code).toBe(0);
    const clients = await control('oauth-clients');
    const apps = await control('integrations');

    const again = await install();
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/OAuth client "Desktop alerts" .*: unchanged/);
    expect(again.stdout).toMatch(/Client App integration "Desktop alerts": unchanged/);
    expect(again.stdout).toMatch(/configuration: unchanged \(version 2\)/);
    expect(again.stdout).toMatch(/state: unchanged \(ENABLED\)/);
    expect(again.stdout).toContain(`GENESYS_APP_CLIENT_ID=${clients[0].id}\n`);
    expect(await control('oauth-clients')).toEqual(clients);
    expect(await control('integrations')).toEqual(apps);
  });

  it('a new --public-url updates the redirect URI and the app URL, duplicating nothing', async () => {
    expect((await install('--group', 'g-1')).code).toBe(0);
    const moved = 'https://alerts2.example.com/base';
    const r = await cli(['genesys', 'install-app', '--public-url', `${moved}/`], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/OAuth client .*: updated, id .* \(registeredRedirectUri\)/);
    expect(r.stdout).toMatch(/configuration: updated \(properties\.url, now version 3\)/);

    const clients = await control('oauth-clients');
    expect(clients).toHaveLength(1);
    expect(clients[0].registeredRedirectUri).toEqual([`${moved}/agent-app/`]);
    const apps = await control('integrations');
    expect(apps).toHaveLength(1);
    expect(apps[0].config.current.properties).toMatchObject({
      url: `${moved}/agent-app/${APP_QUERY}`,
      groups: ['g-1'], // kept: no --group this time
    });
    expect(apps[0].intendedState).toBe('ENABLED');
  });

  it('--dry-run prints the requests and changes nothing, on an empty org and on a registered one', async () => {
    const empty = await install('--dry-run');
    expect(empty.code).toBe(0);
    expect(empty.stdout).toContain('POST /api/v2/oauth/clients');
    expect(empty.stdout).toContain('POST /api/v2/integrations');
    expect(empty.stdout).toContain('PUT /api/v2/integrations/{new integration id}/config/current');
    expect(empty.stdout).toContain('"intendedState": "ENABLED"');
    expect(empty.stdout).not.toMatch(/GENESYS_APP_CLIENT_ID=/);
    expect(empty.stdout).not.toMatch(/emulator-secret|Bearer|access_token/);
    expect(await control('oauth-clients')).toEqual([]);
    expect(await control('integrations')).toEqual([]);

    expect((await install()).code).toBe(0);
    const clients = await control('oauth-clients');
    const apps = await control('integrations');
    const change = await cli(
      ['genesys', 'install-app', '--public-url', 'https://other.example.com', '--dry-run', '--json'],
      env,
    );
    expect(change.code).toBe(0);
    const plan = JSON.parse(change.stdout) as Loose;
    expect(plan.dryRun).toBe(true);
    expect(plan.steps.map((s: Loose) => `${s.what}:${s.action}`)).toEqual([
      'OAuth client:update',
      'integration:unchanged',
      'configuration:update',
      'state:unchanged',
    ]);
    expect(plan.steps[0].request).toMatchObject({
      method: 'PUT',
      path: `/api/v2/oauth/clients/${clients[0].id}`,
    });
    expect(plan.env).toEqual({ GENESYS_APP_CLIENT_ID: clients[0].id });
    expect(await control('oauth-clients')).toEqual(clients);
    expect(await control('integrations')).toEqual(apps);
  });

  it('a 401 for the admin credentials is a clear error, and nothing is made', async () => {
    const r = await cli(['genesys', 'install-app', '--public-url', PUBLIC], {
      ...env,
      GENESYS_CLIENT_SECRET: 'wrong-secret',
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Genesys refused the admin credentials (HTTP 401 invalid_client');
    expect(r.stderr).toContain('check GENESYS_CLIENT_ID and GENESYS_CLIENT_SECRET');
    expect(r.stderr).not.toContain('wrong-secret');
    expect(await control('oauth-clients')).toEqual([]);
  });

  it('a 401 from the API even with a fresh token is a clear error naming the call', async () => {
    emu.control.forceStatus({ status: 401, count: 2, method: 'GET', pathPrefix: '/api/v2/oauth/clients' });
    const r = await install();
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'Genesys refused the access token for GET /api/v2/oauth/clients (HTTP 401), even a fresh one',
    );
    expect(r.stderr).toContain('check that GENESYS_REGION');
  });

  it('a 403 names the permission the admin client likely lacks', async () => {
    emu.control.forceStatus({ status: 403, count: 1, method: 'POST', pathPrefix: '/api/v2/integrations' });
    const r = await install();
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      "Genesys refused POST /api/v2/integrations (HTTP 403): the admin's OAuth client likely lacks the permission integrations:integration:add",
    );
  });

  it('refuses a public URL that is not https (unless loopback), and missing credentials', async () => {
    const plain = await cli(['genesys', 'install-app', '--public-url', 'http://alerts.example.com'], env);
    expect(plain.code).toBe(2);
    expect(plain.stderr).toContain('must be https');
    const loopback = await cli(
      ['genesys', 'install-app', '--public-url', 'http://127.0.0.1:8080', '--dry-run'],
      env,
    );
    expect(loopback.code).toBe(0);
    const none = await cli(['genesys', 'install-app', '--public-url', PUBLIC], {
      GENESYS_API_BASE: emu.url,
      GENESYS_LOGIN_BASE: emu.url,
    });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('missing Genesys admin credentials');
  });
});
