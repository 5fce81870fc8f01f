/**
 * The desktop shell over HTTP: which Client App it frames and with which URL, its CSP and login cookie,
 * the control routes its page reports to, and /oauth/authorize signing the shell's agent in without a prompt.
 */
import { createHash, randomBytes } from 'node:crypto';
import { startEmulator, type Emulator } from '../../src/emulator';
import { call, getToken, type Loose } from './helpers';
import { APP_TEMPLATE, registerClientApp, shellConfigOf } from './shell-helpers';

const AGENT = { id: 'u-shell', name: 'Jordan', email: 'jordan@example.com' };
const OTHER = { id: 'u-other', name: 'Sam', email: 'sam@example.com' };
const GONE = { id: 'u-gone', name: 'Gone', email: 'gone@example.com', state: 'inactive' as const };
const OPTION_APP = 'http://127.0.0.1:5999/agent-app/';
const REDIRECT = 'http://127.0.0.1:5999/agent-app/';

describe('emulator: desktop shell (HTTP)', () => {
  let emu: Emulator;
  let optionUrl: string | undefined;
  let api: (method: string, path: string, json?: unknown) => Promise<Loose>;

  beforeAll(async () => {
    emu = await startEmulator({
      users: [AGENT, OTHER, GONE],
      agentAppUrl: () => optionUrl,
      agentAppLifecycle: { ephemeral: false, hooks: { bootstrap: true, stop: true } },
    });
    api = async (method, path, json) => call(emu.url, method, path, { token: await getToken(emu.url), json });
  });
  afterAll(() => emu.close());
  beforeEach(() => {
    optionUrl = undefined;
    emu.control.reset();
  });

  const shell = async (query: string) => {
    const res = await fetch(`${emu.url}/desktop?${query}`);
    return { res, csp: res.headers.get('content-security-policy')!, config: shellConfigOf(await res.text()) };
  };
  const origin = () => new URL(emu.url).origin;

  it('says no Client App is installed when there is neither an integration nor agentAppUrl', async () => {
    const { config, csp } = await shell(`agent=${AGENT.id}`);
    expect(config).toMatchObject({ agentId: AGENT.id, app: null, problem: null });
    expect(csp).toContain("frame-src 'self';");
  });

  it('frames agentAppUrl with the placeholders filled: own origin, prod, ?lang, ?dark', async () => {
    optionUrl = OPTION_APP + APP_TEMPLATE;
    const { config, csp } = await shell(`agent=${AGENT.id}&lang=fr-CA&dark=true`);
    // With the lifecycle it is registered with (the agentAppLifecycle option), as an integration's would be.
    expect(config.app).toMatchObject({
      source: 'option',
      origin: 'http://127.0.0.1:5999',
      sandbox: null,
      lifecycle: { ephemeral: false, hooks: { bootstrap: true, focus: false, blur: false, stop: true } },
    });
    const q = new URL(config.app.url).searchParams;
    expect(Object.fromEntries(q)).toEqual({
      gcHostOrigin: origin(),
      gcTargetEnv: 'prod',
      gcLangTag: 'fr-ca',
      gcUseDarkTheme: 'true',
    });
    expect(csp).toContain("frame-src 'self' http://127.0.0.1:5999;");
    expect(csp).toContain("script-src 'self'");

    const defaults = await shell(`agent=${AGENT.id}&lang=<x>`);
    const d = new URL(defaults.config.app.url).searchParams;
    expect([d.get('gcLangTag'), d.get('gcUseDarkTheme')]).toEqual(['en-us', 'false']);
  });

  it('prefers an enabled registered integration, with its sandbox and lifecycle hooks', async () => {
    optionUrl = OPTION_APP + APP_TEMPLATE;
    await registerClientApp(api, {
      name: 'Disabled',
      url: 'http://127.0.0.1:6001/' + APP_TEMPLATE,
      enable: false,
    });
    const id = await registerClientApp(api, {
      name: 'Desktop Alerts',
      url: 'http://localhost:6002/app/' + APP_TEMPLATE,
      sandbox: 'allow-scripts,allow-same-origin,allow-forms',
      advanced: { lifecycle: { ephemeral: false, hooks: { bootstrap: true, stop: true } } },
    });
    const { config, csp } = await shell(`agent=${AGENT.id}`);
    expect(config.app).toMatchObject({
      source: 'integration',
      integrationId: id,
      name: 'Desktop Alerts',
      origin: 'http://localhost:6002',
      sandbox: 'allow-scripts allow-same-origin allow-forms',
      lifecycle: { ephemeral: false, hooks: { bootstrap: true, focus: false, blur: false, stop: true } },
    });
    expect(csp).toContain("frame-src 'self' http://localhost:6002;");
    expect(csp).not.toContain('6001');
  });

  it('keeps the settings block inert: caller text cannot end the data block', async () => {
    const res = await fetch(
      `${emu.url}/desktop?agent=${encodeURIComponent('</script><script>alert(1)</script>')}`,
    );
    const html = await res.text();
    expect(html).not.toContain('<script>alert(1)');
    expect(shellConfigOf(html).agentId).toBe('</script><script>alert(1)</script>');
  });

  it('sets the login cookie for a known agent only', async () => {
    const known = await fetch(`${emu.url}/desktop?agent=${AGENT.id}`);
    const cookie = known.headers.get('set-cookie')!;
    expect(cookie).toBe(`emulator_agent=${AGENT.id}; Path=/oauth; HttpOnly; SameSite=Lax`);
    await known.text();
    const unknown = await fetch(`${emu.url}/desktop?agent=nobody`);
    expect(unknown.headers.get('set-cookie')).toBeNull();
    await unknown.text();
  });

  describe('control API: what the shell showed', () => {
    const path = (what = '') => `/__emulator/desktop/${AGENT.id}${what}`;
    const toast = {
      appToastId: 'a-1',
      title: 'Compliance review',
      message: '**Call** the customer',
      type: 'info',
      markdownMessage: true,
      timeout: 7,
      showCloseButton: true,
      appOrigin: 'http://127.0.0.1:5999',
    };

    it('records host toasts, dismissals, the attention count and lifecycle; reset forgets them', async () => {
      const created = await call(emu.url, 'POST', path('/host-toasts'), { json: toast });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        ...toast,
        userId: AGENT.id,
        dismissedAt: null,
        dismissedBy: null,
      });
      expect(Date.parse(created.body.shownAt)).not.toBeNaN();

      const dismissed = await call(emu.url, 'POST', path('/host-toast-dismissals'), {
        json: { id: created.body.id, by: 'close' },
      });
      expect(dismissed.body).toMatchObject({ id: created.body.id, dismissedBy: 'close' });
      const listed = await call(emu.url, 'GET', path('/host-toasts'));
      expect(listed.body).toEqual([dismissed.body]);
      expect((await call(emu.url, 'GET', `/__emulator/desktop/${OTHER.id}/host-toasts`)).body).toEqual([]);

      expect((await call(emu.url, 'GET', path('/attention'))).body).toBeNull();
      const att = await call(emu.url, 'PUT', path('/attention'), { json: { count: 2 } });
      expect(att.body).toMatchObject({ count: 2 });
      expect((await call(emu.url, 'GET', path('/attention'))).body).toMatchObject({ count: 2 });

      await call(emu.url, 'POST', path('/lifecycle'), { json: { direction: 'sent', name: 'bootstrap' } });
      const state = await call(emu.url, 'GET', path());
      expect(state.body).toMatchObject({
        userId: AGENT.id,
        hostToasts: [{ id: created.body.id }],
        attention: { count: 2 },
        lifecycle: [{ direction: 'sent', name: 'bootstrap' }],
      });
      expect(emu.control.listHostToasts(AGENT.id)).toHaveLength(1);
      expect(emu.control.listRequests()).toEqual([]);

      await call(emu.url, 'POST', '/__emulator/reset');
      expect((await call(emu.url, 'GET', path())).body).toEqual({
        userId: AGENT.id,
        hostToasts: [],
        attention: null,
        lifecycle: [],
      });
    });

    it('refuses malformed reports', async () => {
      const bad = async (what: string, json: unknown, status = 400) =>
        expect(
          (await call(emu.url, what.startsWith('/attention') ? 'PUT' : 'POST', path(what), { json })).status,
        ).toBe(status);
      await bad('/host-toasts', { ...toast, type: 'warning' });
      await bad('/host-toasts', { ...toast, title: 42 });
      await bad('/host-toasts', { ...toast, timeout: -1 });
      await bad('/host-toasts', { ...toast, showCloseButton: 'yes' });
      await bad('/host-toast-dismissals', { id: 'nope', by: 'close' }, 404);
      await bad('/host-toast-dismissals', { id: 'nope', by: 'magic' });
      await bad('/attention', { count: 'two' });
      await bad('/lifecycle', { direction: 'sideways', name: 'x' });
    });
  });

  describe('/oauth/authorize with the shell cookie', () => {
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const authorize = async (extra: Record<string, string>, cookie?: string) => {
      const params = new URLSearchParams({
        response_type: 'code',
        client_id: 'emulator-agent-app',
        redirect_uri: REDIRECT,
        code_challenge: challenge,
        code_challenge_method: 'S256',
        state: 'st-1',
        ...extra,
      });
      const res = await fetch(`${emu.url}/oauth/authorize?${params}`, {
        redirect: 'manual',
        headers: cookie ? { cookie } : {},
      });
      return {
        status: res.status,
        location: res.headers.get('location'),
        csp: res.headers.get('content-security-policy'),
        text: await res.text(),
      };
    };
    /** Who the code signed in: redeemed for a user token, then GET /api/v2/users/me. */
    const userOf = async (location: string): Promise<string> => {
      const code = new URL(location).searchParams.get('code')!;
      const t = await call(emu.url, 'POST', '/oauth/token', {
        raw: new URLSearchParams({
          grant_type: 'authorization_code',
          code,
          redirect_uri: REDIRECT,
          client_id: 'emulator-agent-app',
          code_verifier: verifier,
        }).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      const me = await call(emu.url, 'GET', '/api/v2/users/me', { token: t.body.access_token });
      return me.body.id as string;
    };

    it('signs the shell agent in at once, without a prompt', async () => {
      const cookie = (await fetch(`${emu.url}/desktop?agent=${AGENT.id}`)).headers
        .get('set-cookie')!
        .split(';')[0]!;
      const a = await authorize({}, `other=1; ${cookie}`);
      expect(a.status).toBe(302);
      expect(new URL(a.location!).searchParams.get('state')).toBe('st-1');
      expect(await userOf(a.location!)).toBe(AGENT.id);
    });

    it('keeps login_hint first, and the picker for no, unknown or inactive cookie agents', async () => {
      const hinted = await authorize({ login_hint: OTHER.id }, `emulator_agent=${AGENT.id}`);
      expect(await userOf(hinted.location!)).toBe(OTHER.id);
      expect((await authorize({})).status).toBe(200);
      expect((await authorize({}, 'emulator_agent=nobody')).status).toBe(200);
      expect((await authorize({}, `emulator_agent=${GONE.id}`)).status).toBe(200);
      // A refused request is refused whatever the cookie says.
      expect(
        (await authorize({ code_challenge_method: 'plain' }, `emulator_agent=${AGENT.id}`)).location,
      ).toContain('error=invalid_request');
    });

    it('lets the shell (same origin) and the hosted app frame the login page', async () => {
      expect((await authorize({})).csp).toContain("frame-ancestors 'self'");
      optionUrl = OPTION_APP + APP_TEMPLATE;
      expect((await authorize({})).csp).toContain("frame-ancestors 'self' http://127.0.0.1:5999");
    });
  });
});
