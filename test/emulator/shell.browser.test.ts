/**
 * The desktop shell in a real Chromium, hosting a tiny Client App that loads the REAL Client App SDK (the
 * UMD build from node_modules): the SDK's showToast and setAttentionCount reach the shell, which draws
 * the host toast and the badge and records both in the control API; its bootstrap hook is answered; a
 * forged message from another window is ignored; the app's frame signs in at /oauth/authorize without a
 * prompt (the shell's cookie), inside the shell's frame.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { describeBrowser, launchChromium } from '../helpers/browser';
import { until as untilWithin } from '../helpers/eventually';

const until = <T>(what: string, f: Parameters<typeof untilWithin<T>>[1], ms = 10_000) =>
  untilWithin(what, f, ms);
import { startEmulator, type Emulator } from '../../src/emulator';
import { call, getToken, type Loose } from './helpers';
import { APP_TEMPLATE, registerClientApp } from './shell-helpers';

const SDK_DIR = path.dirname(require.resolve('purecloud-client-app-sdk/package.json'));
const SDK_FILE = fs
  .readdirSync(path.join(SDK_DIR, 'dist'))
  .find((f) => /^purecloud-client-app-sdk-.*\.min\.js$/.test(f));
const AGENT = { id: 'u-browser', name: 'Jordan Smith', email: 'jordan@example.com' };

/** The test Client App's script: the SDK as a Genesys-hosted app uses it. */
const APP_JS = `
(function () {
  var app = new purecloud.apps.ClientApp({ gcHostOriginQueryParam: 'gcHostOrigin', gcTargetEnvQueryParam: 'gcTargetEnv' });
  app.lifecycle.addBootstrapListener(function () { app.lifecycle.bootstrapped(); });
  // Lifecycle hooks show up as attention counts, so the test sees that the real SDK accepted the host's message.
  app.lifecycle.addBlurListener(function () { app.alerting.setAttentionCount(3); });
  app.lifecycle.addFocusListener(function () { app.alerting.setAttentionCount(5); });
  app.lifecycle.addStopListener(function () { app.lifecycle.stopped(); });
  app.alerting.showToastPopup('Compliance review', 'Call **now** <b>x</b>', { id: 'alert-1', type: 'success', timeout: 0, showCloseButton: true });
  app.alerting.setAttentionCount(2);
  document.getElementById('env').textContent = app.gcEnvironment;
})();`;

/** A loopback server for the test Client App; records the URLs it was asked for. */
async function startAppServer() {
  const seen: string[] = [];
  const sdk = fs.readFileSync(path.join(SDK_DIR, 'dist', SDK_FILE!), 'utf8');
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://app');
    seen.push(req.url ?? '/');
    const send = (type: string, body: string) =>
      res.writeHead(200, { 'content-type': `${type}; charset=utf-8`, 'cache-control': 'no-store' }).end(body);
    if (url.pathname === '/sdk.js') send('text/javascript', sdk);
    else if (url.pathname === '/app.js') send('text/javascript', APP_JS);
    else if (url.pathname === '/app/')
      send(
        'text/html',
        '<!doctype html><html lang="en"><head><title>Test app</title></head><body><h1>Test app</h1>' +
          '<p id="env"></p><script src="/sdk.js"></script><script src="/app.js"></script></body></html>',
      );
    else if (url.pathname === '/app/callback')
      send('text/html', '<!doctype html><title>Signed in</title><p>Signed in</p>');
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    seen,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

describeBrowser('desktop shell hosting a Client App (real SDK) in Chromium', () => {
  let emu: Emulator;
  let appServer: Awaited<ReturnType<typeof startAppServer>>;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    [emu, appServer, browser] = await Promise.all([
      startEmulator({ users: [AGENT] }),
      startAppServer(),
      launchChromium(),
    ]);
    const token = await getToken(emu.url);
    await registerClientApp((m, p, json) => call(emu.url, m, p, { token, json }), {
      url: `${appServer.origin}/app/${APP_TEMPLATE}`,
      sandbox: 'allow-scripts,allow-same-origin,allow-forms',
      advanced: { lifecycle: { ephemeral: false, hooks: { bootstrap: true, stop: true } } },
    });
    page = await browser.newPage({ viewport: { width: 1200, height: 760 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(m.text());
    });
  });

  afterAll(async () => {
    await page?.close().catch(() => undefined);
    await browser?.close();
    await appServer?.close();
    await emu?.close();
  });

  const control = (what: string) => call<Loose>(emu.url, 'GET', `/__emulator/desktop/${AGENT.id}${what}`);

  it("draws the SDK's toast and attention count, records them, and answers the bootstrap hook", async () => {
    await page.goto(`${emu.url}/desktop?agent=${AGENT.id}&lang=de-de`);
    const toast = page.locator('.host-toast');
    await toast.waitFor({ timeout: 15_000 });
    await expect(toast.locator('.title').textContent()).resolves.toBe('Compliance review');
    // Markdown and HTML are shown as the text they are.
    await expect(toast.locator('.message').textContent()).resolves.toBe('Call **now** <b>x</b>');
    await expect(toast.getAttribute('data-type')).resolves.toBe('success');
    await expect(page.locator('#attention').textContent()).resolves.toBe('2');
    await expect(page.locator('#attention').isVisible()).resolves.toBe(true);

    const appUrl = new URL(appServer.origin + appServer.seen.find((u) => u.startsWith('/app/?'))!);
    expect(Object.fromEntries(appUrl.searchParams)).toEqual({
      gcHostOrigin: new URL(emu.url).origin,
      gcTargetEnv: 'prod',
      gcLangTag: 'de-de',
      gcUseDarkTheme: 'false',
    });
    const frame = page.frameLocator('#app-frame');
    await expect(frame.locator('#env').textContent()).resolves.toBe('localhost');
    await expect(page.locator('#app-frame').getAttribute('sandbox')).resolves.toBe(
      'allow-scripts allow-same-origin allow-forms',
    );

    const toasts = await until('the recorded toast', async () => {
      const r = await control('/host-toasts');
      return r.body.length ? r.body : undefined;
    });
    expect(toasts).toEqual([
      expect.objectContaining({
        appToastId: 'alert-1',
        title: 'Compliance review',
        message: 'Call **now** <b>x</b>',
        type: 'success',
        markdownMessage: true,
        timeout: 0,
        showCloseButton: true,
        appOrigin: appServer.origin,
        dismissedAt: null,
      }),
    ]);
    await expect(control('/attention')).resolves.toMatchObject({ body: { count: 2 } });
    await until('bootstrapped', async () =>
      (await control('/lifecycle')).body.some(
        (e: Loose) => e.direction === 'received' && e.name === 'bootstrapped',
      ),
    );
    expect((await control('/lifecycle')).body).toContainEqual(
      expect.objectContaining({ direction: 'sent', name: 'bootstrap' }),
    );
    await expect(page.locator('#app-status').textContent()).resolves.toBe('ready');

    // The shell with its app panel and a host toast stays free of WCAG 2 A/AA violations.
    await page.evaluate(fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'));
    const violations = await page.evaluate(
      `axe.run(document, { iframes: false, runOnly: ['wcag2a', 'wcag2aa'] }).then((r) => r.violations.map((v) => v.id + ': ' + v.nodes.map((n) => n.target.join(' ')).join(', ')))`,
    );
    expect(violations).toEqual([]);

    // Sticky (timeout 0): it stays until the agent closes it.
    await page.getByRole('button', { name: 'Dismiss Compliance review' }).click();
    await toast.waitFor({ state: 'detached' });
    await until('the dismissal', async () => (await control('/host-toasts')).body[0].dismissedBy === 'close');
  });

  it('ignores protocol messages that do not come from the app frame and origin', async () => {
    await expect(page.locator('.host-toast').count()).resolves.toBe(0);
    // The shell's own window posting to itself: right origin, wrong source.
    await page.evaluate(
      `window.postMessage({protocol: 'purecloud-client-apps', action: 'showToast', title: 'forged', message: 'x'}, window.location.origin)`,
    );
    await new Promise((r) => setTimeout(r, 300));
    await expect(page.locator('.host-toast').count()).resolves.toBe(0);
    expect((await control('/host-toasts')).body).toHaveLength(1);
  });

  it("signs the shell's agent in without a prompt, inside the app's frame", async () => {
    const verifier = randomBytes(32).toString('base64url');
    const params = new URLSearchParams({
      response_type: 'code',
      client_id: 'emulator-agent-app',
      redirect_uri: `${appServer.origin}/app/callback`,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      state: 's-1',
    });
    const appFrame = page.frame({ url: (u) => u.pathname === '/app/' })!;
    // The app navigates its own frame to the login host, as the platform client's PKCE sign-in does.
    await appFrame.evaluate(
      `window.location.href = ${JSON.stringify(`${emu.url}/oauth/authorize?${params}`)}`,
    );
    const callback = await until('the redirect to the app', () =>
      appServer.seen.find((u) => u.startsWith('/app/callback?')),
    );
    const code = new URL(callback, appServer.origin).searchParams.get('code')!;
    const tok = await call<Loose>(emu.url, 'POST', '/oauth/token', {
      raw: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: `${appServer.origin}/app/callback`,
        client_id: 'emulator-agent-app',
        code_verifier: verifier,
      }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    const me = await call<Loose>(emu.url, 'GET', '/api/v2/users/me', { token: tok.body.access_token });
    expect(me.body.id).toBe(AGENT.id);
    await page.frameLocator('#app-frame').getByText('Signed in').waitFor();
    expect(pageErrors).toEqual([]);
  });

  it('sends focus, blur and stop as the lifecycle config asks, in the shape the real SDK accepts', async () => {
    const register = async (ephemeral: boolean) => {
      emu.control.reset();
      const token = await getToken(emu.url);
      await registerClientApp((m, p, json) => call(emu.url, m, p, { token, json }), {
        url: `${appServer.origin}/app/${APP_TEMPLATE}`,
        advanced: {
          lifecycle: { ephemeral, hooks: { bootstrap: true, focus: true, blur: true, stop: true } },
        },
      });
      await page.goto(`${emu.url}/desktop?agent=${AGENT.id}`);
      await page.locator('#app-status', { hasText: 'ready' }).waitFor();
    };
    const badge = page.locator('#attention');

    await register(false);
    await page.getByRole('button', { name: 'Hide app' }).click();
    await page.locator('#attention[data-count="3"]').waitFor();
    await page.getByRole('button', { name: 'Show app' }).click();
    await page.locator('#attention[data-count="5"]').waitFor();
    await expect(badge.textContent()).resolves.toBe('5');

    // Ephemeral: hidden means stopped; the app answers `stopped` and its frame goes.
    await register(true);
    await page.getByRole('button', { name: 'Hide app' }).click();
    await page.locator('#app-frame').waitFor({ state: 'detached' });
    // The frame goes on `stopped` at once; the page's report of it reaches the control API a moment later.
    const names = await until('the recorded stopped', async () => {
      const got = (await control('/lifecycle')).body.map((e: Loose) => `${e.direction}:${e.name}`);
      return got.includes('received:stopped') ? got : undefined;
    });
    expect(names).toEqual(
      expect.arrayContaining([
        'sent:bootstrap',
        'received:bootstrapped',
        'sent:blur',
        'sent:stop',
        'received:stopped',
      ]),
    );
    await page.getByRole('button', { name: 'Show app' }).click();
    await page.locator('#app-status', { hasText: 'ready' }).waitFor();
    expect(pageErrors).toEqual([]);
  });
});
