/**
 * The agent app's page in a real Chromium, standalone: it signs in with PKCE through the real platform client
 * against the emulator's login (GET /oauth/authorize, the demo agent picked on its page; POST /oauth/token), gets a
 * session from a fake of the service's side (test/helpers/agent-app-fake.ts, the README's wire protocol), shows a
 * pushed alert and sends `displayed`, posts a callback click with the bearer session token, and drops the alert
 * on `withdraw` and at its expiry (on the page's own clock, Playwright's). axe-core finds nothing in the light and
 * the dark theme; the keyboard alone reaches and presses the button.
 *
 * The emulator is used as is: it answers the platform client's cross-origin calls (CORS) and GET /api/v2/tokens/me,
 * as real Genesys does.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { axeViolations, describeBrowser, launchChromium } from '../helpers/browser';
import { startEmulator, type Emulator } from '../../src/emulator';
import { startAgentAppFake, type AgentAppFake, type FakeAlert } from '../helpers/agent-app-fake';

// The browser globals used inside page.evaluate callbacks (the project compiles without the DOM lib).
declare const window: Record<string, unknown>;
declare const document: { activeElement: { id: string; getAttribute(name: string): string | null } | null };
declare function getComputedStyle(e: unknown): { outlineStyle: string };

const AGENT = { id: 'aa-agent-1', name: 'Jordan Smith', email: 'jordan.smith@example.com' };

/** Retries an assertion until it holds (or rethrows its last failure). */
async function until(check: () => void, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return check();
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

function alert(n: number, over: Partial<FakeAlert> = {}): FakeAlert {
  return {
    notificationId: `n-${n}`,
    alertId: `a-${n}`,
    title: `Callback for queue ${n}`,
    message: 'Customer <b>asked</b> for a call back.',
    type: 'warning',
    priority: 'high',
    actions: [
      { id: 'ack', label: 'Acknowledge', actionType: 'callback' },
      { id: 'docs', label: 'Open runbook', actionType: 'openUrl', url: 'https://example.com/runbook' },
    ],
    expiresAt: new Date(Date.now() + 10 * 60_000).toISOString(),
    ...over,
  };
}

describeBrowser('agent app page in Chromium (standalone, emulator login, fake service)', () => {
  let emulator: Emulator;
  let fake: AgentAppFake;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];

  // A stand-in for the Genesys desktop: a page on another origin that frames the app and records what the
  // Client App SDK posts to it.
  let hostServer: http.Server;
  let hostUrl: string;

  beforeAll(async () => {
    hostServer = http.createServer((req, res) => {
      const app = new URL(req.url ?? '/', 'http://x').searchParams.get('app') ?? '';
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(
        `<!doctype html><html lang="en"><head><title>Host</title></head><body>` +
          `<script>window.received = []; addEventListener('message', (e) => window.received.push({origin: e.origin, data: e.data}));</script>` +
          `<iframe title="agent app" id="app" style="width:320px;height:600px" src="${app.replace(/[&"<>]/g, (c) => `&#${c.charCodeAt(0)};`)}"></iframe></body></html>`,
      );
    });
    await new Promise<void>((resolve) => hostServer.listen(0, '127.0.0.1', resolve));
    hostUrl = `http://127.0.0.1:${(hostServer.address() as AddressInfo).port}`;
    emulator = await startEmulator({ users: [AGENT] });
    fake = await startAgentAppFake({
      genesysApiBase: emulator.url,
      config: {
        clientId: 'emulator-agent-app',
        hostOrigins: [emulator.url, hostUrl],
        sessionTtlSeconds: 900,
        heartbeatSeconds: 10,
      },
    });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 320, height: 640 } });
    page = watched(await context.newPage());
  });

  /** A page whose errors (uncaught, or logged as errors) are collected in `problems`. */
  function watched(p: Page): Page {
    p.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    p.on('console', (m) => {
      // Chromium's own favicon request (no page asks for one) 404s on the fake and the emulator alike.
      if (m.type() === 'error' && !m.location().url.endsWith('/favicon.ico'))
        problems.push(`console: ${m.text()} @ ${m.location().url}`);
    });
    return p;
  }

  afterAll(async () => {
    await context?.close().catch(() => undefined);
    await browser?.close();
    await fake?.close();
    await emulator?.close();
    hostServer?.closeAllConnections();
    await new Promise((resolve) => hostServer?.close(resolve));
  });

  async function signIn(query: string, p = page): Promise<void> {
    await p.goto(`${fake.url}/agent-app/?${query}`);
    // Standalone, the page goes straight to the login host: the emulator's "pick a demo agent".
    await p.waitForURL(`${emulator.url}/oauth/authorize**`);
    await p.getByRole('link', { name: AGENT.name }).click();
    await p.waitForURL(`${fake.url}/agent-app/**`);
    await p.locator('#connection[data-state="live"]').waitFor();
  }

  it('signs in, shows a pushed alert, sends the click with the session, and drops the alert on withdraw', async () => {
    const query = `gcHostOrigin=${encodeURIComponent(emulator.url)}&gcTargetEnv=local&gcLangTag=en-us&gcUseDarkTheme=false`;
    await signIn(query);
    // The gc* parameters came back through `state` and are in the address bar again.
    expect(new URL(page.url()).searchParams.get('gcLangTag')).toBe('en-us');
    await expect(page.locator('#user').textContent()).resolves.toBe(`Signed in as ${AGENT.name}`);
    await expect(page.locator('html').getAttribute('lang')).resolves.toBe('en-us');
    // Not framed: it says so, and the list still works.
    await expect(page.locator('#host-note').textContent()).resolves.toMatch(
      /Not running inside Genesys Cloud/,
    );
    const hello = fake.frames.find((f) => f.event === 'hello');
    expect(typeof hello?.data.sessionToken).toBe('string');
    expect(page.url()).not.toContain(String(hello?.data.sessionToken));

    expect(fake.push(AGENT.id, alert(1))).toBe(1);
    const item = page.locator('li[data-notification-id="n-1"]');
    await item.waitFor();
    await expect(item.locator('h3').textContent()).resolves.toBe('Callback for queue 1');
    // Caller text is text: the <b> is shown, not parsed.
    await expect(item.locator('.message').textContent()).resolves.toBe(
      'Customer <b>asked</b> for a call back.',
    );
    expect(await item.locator('b').count()).toBe(0);
    await expect(item.locator('.badge').textContent()).resolves.toBe('Warning');
    await until(() =>
      expect(fake.frames.filter((f) => f.event === 'displayed').map((f) => f.data)).toEqual([
        { notificationId: 'n-1' },
      ]),
    );
    // The same alert again (a retry): listed once, receipt again.
    fake.push(AGENT.id, alert(1));
    await until(() => expect(fake.frames.filter((f) => f.event === 'displayed')).toHaveLength(2));
    expect(await page.locator('li.alert').count()).toBe(1);

    expect(await axeViolations(page)).toEqual([]);

    // Keyboard only: Tab to the callback button, Enter presses it.
    await page.locator('body').focus();
    let onButton = false;
    for (let i = 0; i < 15 && !onButton; i++) {
      await page.keyboard.press('Tab');
      onButton = await page.evaluate(() => document.activeElement?.getAttribute('data-action-id') === 'ack');
    }
    expect(onButton).toBe(true);
    const focusStyle = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
    expect(focusStyle).toBe('solid');
    await page.keyboard.press('Enter');
    await until(() => expect(fake.actions).toHaveLength(1));
    const session = String(hello?.data.sessionToken);
    expect(fake.actions[0]).toEqual({
      authorization: `Bearer ${session}`,
      body: { notificationId: 'n-1', actionId: 'ack' },
      status: 202,
    });
    await page.locator('li[data-notification-id="n-1"] .result', { hasText: 'Done.' }).waitFor();

    // Withdrawn: gone, announced, and the focus (on its button) moves to the list heading.
    fake.withdraw(AGENT.id, 'n-1', 'handled');
    await item.waitFor({ state: 'detached' });
    await page.locator('#announcer', { hasText: 'Alert removed: Callback for queue 1' }).waitFor();
    await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe('alerts-heading');
    await expect(page.locator('#empty').isVisible()).resolves.toBe(true);

    // The real PKCE exchange and the platform client's token check went to the configured login/API base.
    const routes = emulator.control.listRequests().map((r) => r.route);
    expect(routes).toEqual(expect.arrayContaining(['POST /oauth/token', 'GET /api/v2/tokens/me']));
    expect(problems).toEqual([]);
  });

  it('dark theme and German: lang, strings, and no axe violations', async () => {
    const query = `gcHostOrigin=${encodeURIComponent(emulator.url)}&gcTargetEnv=local&gcLangTag=de-de&gcUseDarkTheme=true`;
    await signIn(query);
    await expect(page.locator('html').getAttribute('class')).resolves.toContain('dark');
    await expect(page.locator('html').getAttribute('lang')).resolves.toBe('de-de');
    await expect(page.locator('#alerts-heading').textContent()).resolves.toBe('Offene Meldungen');
    fake.push(AGENT.id, alert(3, { type: 'error' }));
    fake.push(AGENT.id, alert(4, { type: 'info' }));
    await page.locator('li[data-notification-id="n-3"]').waitFor();
    await page.locator('li[data-notification-id="n-4"]').waitFor();
    await expect(page.locator('li[data-notification-id="n-3"] .badge').textContent()).resolves.toBe('Fehler');
    expect(await axeViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('framed by an allowed host: signs in through a popup, shows the host toast, keeps the attention count', async () => {
    const appUrl =
      `${fake.url}/agent-app/?gcHostOrigin=${encodeURIComponent(hostUrl)}&gcTargetEnv=prod` +
      `&gcLangTag=en-us&gcUseDarkTheme=false`;
    await page.goto(`${hostUrl}/?app=${encodeURIComponent(appUrl)}`);
    const frame = page.frameLocator('#app');
    // Framed, the login page may refuse to be framed: a click opens it in a popup.
    const popupOpened = context.waitForEvent('page');
    await frame.getByRole('button', { name: 'Sign in' }).click();
    const popup = await popupOpened;
    await popup.waitForURL(`${emulator.url}/oauth/authorize**`);
    await popup.getByRole('link', { name: AGENT.name }).click();
    await frame.locator('#connection[data-state="live"]').waitFor();
    await expect(frame.locator('#host-note').isHidden()).resolves.toBe(true);

    fake.push(AGENT.id, alert(5, { type: 'warning' }));
    await frame.locator('li[data-notification-id="n-5"]').waitFor();
    const received = async () =>
      page.evaluate(
        () =>
          (window as unknown as { received: { origin: string; data: Record<string, unknown> }[] }).received,
      );
    let toast: { origin: string; data: Record<string, unknown> } | undefined;
    for (let i = 0; i < 100 && !toast; i++) {
      toast = (await received()).find((m) => m.data?.action === 'showToast' && m.data.id === 'n-5');
      if (!toast) await new Promise((r) => setTimeout(r, 50));
    }
    expect(toast?.origin).toBe(fake.url);
    expect(toast?.data).toMatchObject({
      protocol: 'purecloud-client-apps',
      title: 'Warning: Callback for queue 5',
      message: 'Customer <b>asked</b> for a call back.',
      id: 'n-5',
      type: 'info',
      timeout: 0,
      showCloseButton: true,
      markdownMessage: false,
    });
    // The alerts still open from the earlier test came with `welcome`: error and info, as README.md maps them.
    const toasts = (await received()).filter((m) => m.data?.action === 'showToast').map((m) => m.data);
    expect(toasts.find((d) => d.id === 'n-3')).toMatchObject({
      type: 'error',
      timeout: 0,
      showCloseButton: true,
    });
    expect(toasts.find((d) => d.id === 'n-4')).toMatchObject({
      type: 'info',
      timeout: 10,
      title: 'Callback for queue 4',
    });
    const counts = (await received())
      .filter((m) => m.data?.action === 'setAttentionCount')
      .map((m) => m.data.count);
    expect(counts[counts.length - 1]).toBe(3);
    expect(problems).toEqual([]);
  });

  it('framed, but gcHostOrigin is not an allowed host origin: says so and posts nothing to the host', async () => {
    const appUrl =
      `${fake.url}/agent-app/?gcHostOrigin=${encodeURIComponent('https://apps.mypurecloud.com')}&gcTargetEnv=prod` +
      `&gcLangTag=en-us&gcUseDarkTheme=false`;
    await page.goto(`${hostUrl}/?app=${encodeURIComponent(appUrl)}`);
    const frame = page.frameLocator('#app');
    await frame.locator('#host-note', { hasText: 'Not running inside Genesys Cloud' }).waitFor();
    await frame.getByRole('button', { name: 'Sign in' }).waitFor();
    await new Promise((r) => setTimeout(r, 300));
    const received = await page.evaluate(() => (window as unknown as { received: unknown[] }).received);
    expect(received).toEqual([]);
  });

  it('signs in at the login host of the Genesys that frames it (gcTargetEnv), not the configured region', async () => {
    // No explicit bases: a real org. The service's region is mypurecloud.com; the desktop framing the app is
    // Ireland's (prod-euw1). The machine has no internet: the Genesys hosts are answered here.
    const real = await startAgentAppFake({
      genesysApiBase: emulator.url,
      config: {
        clientId: 'real-agent-app',
        apiBase: undefined,
        loginBase: undefined,
        region: 'mypurecloud.com',
        hostOrigins: ['https://apps.mypurecloud.ie', hostUrl],
        sessionTtlSeconds: 900,
        heartbeatSeconds: 10,
      },
    });
    const ctx = await browser.newContext({ viewport: { width: 320, height: 640 } });
    try {
      // Where each sign-in went: the requests to a login host (seen even where the navigation then fails).
      const logins: string[] = [];
      ctx.on('request', (r) => {
        if (r.url().startsWith('https://login.')) logins.push(new URL(r.url()).host);
      });
      // A tiny page instead of the network (Playwright does not route a popup's first navigation; that one fails).
      await ctx.route(/^https:\/\/login\./, (route) =>
        route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>login</title>' }),
      );
      // The stand-in desktop frames the app (its origin may, by frame-ancestors), telling it the host is Ireland's.
      const appUrl =
        `${real.url}/agent-app/?gcHostOrigin=${encodeURIComponent('https://apps.mypurecloud.ie')}` +
        `&gcTargetEnv=prod-euw1&gcLangTag=en-us&gcUseDarkTheme=false`;
      const framed = await ctx.newPage();
      await framed.goto(`${hostUrl}/?app=${encodeURIComponent(appUrl)}`);
      const frame = framed.frameLocator('#app');
      await frame.getByRole('button', { name: 'Sign in' }).waitFor();
      await expect(frame.locator('#host-note').isHidden()).resolves.toBe(true);
      const popupOpened = ctx.waitForEvent('page');
      await frame.getByRole('button', { name: 'Sign in' }).click();
      await popupOpened;
      await until(() => expect(logins).toEqual(['login.mypurecloud.ie']));

      // Standalone, the same service signs in at its configured region.
      const standalone = await ctx.newPage();
      await standalone.goto(`${real.url}/agent-app/?gcLangTag=en-us`);
      await until(() => expect(logins).toEqual(['login.mypurecloud.ie', 'login.mypurecloud.com']));
    } finally {
      await ctx.close();
      await real.close();
    }
  });

  it('reconnects after a dropped connection and exchanges the session again on session_expired', async () => {
    await signIn(`gcLangTag=en-us&gcUseDarkTheme=false`);
    const welcomes = () => fake.frames.filter((f) => f.event === 'hello').length;
    const sessionsBefore = fake.sessions.filter((x) => x.status === 200).length;

    const hellosBefore = welcomes();
    fake.dropConnections(AGENT.id);
    await page.locator('#connection[data-state="retry"]').waitFor();
    await expect(page.locator('#connection').textContent()).resolves.toMatch(/Reconnecting in 1 s/);
    await page.locator('#connection[data-state="live"]').waitFor();
    expect(welcomes()).toBe(hellosBefore + 1);

    fake.expireSessions(AGENT.id);
    await until(() => expect(fake.sessions.filter((x) => x.status === 200).length).toBe(sessionsBefore + 1));
    await until(() => expect(welcomes()).toBe(hellosBefore + 2));
    await page.locator('#connection[data-state="live"]').waitFor();
    // The new hello carries the new session token, and a click uses it.
    const hellos = fake.frames.filter((f) => f.event === 'hello');
    const fresh = String(hellos[hellos.length - 1]?.data.sessionToken);
    expect(fresh).not.toBe(String(hellos[hellos.length - 2]?.data.sessionToken));
    fake.push(AGENT.id, alert(6, { type: 'info' }));
    await page.locator('li[data-notification-id="n-6"] button[data-action-id="ack"]').click();
    await until(() => expect(fake.actions[fake.actions.length - 1]?.authorization).toBe(`Bearer ${fresh}`));
    expect(problems).toEqual([]);
  });

  it('an alert leaves on its own at its expiry, not before, and says it expired', async () => {
    // On the page's own clock (Playwright's, in a context of its own so no other test runs on it): the page drops
    // an alert that arrives already expired, so on the real clock a slow push and render ate into the expiry, and
    // with 1.5 s once left nothing to see. Stopped, the page lists the alert whatever the push takes; then its time
    // is moved to the expiry.
    const ctx = await browser.newContext({ viewport: { width: 320, height: 640 } });
    try {
      const p = watched(await ctx.newPage());
      // Installed before the page loads, flowing with real time until paused.
      await p.clock.install();
      await signIn(`gcLangTag=en-us&gcUseDarkTheme=false`, p);
      // Paused a moment ahead of the page's own time (a later moment if that one went by before the call arrived).
      let t = 0;
      while (!t) {
        const at = (await p.evaluate(() => Date.now())) + 1_000;
        try {
          await p.clock.pauseAt(at);
          t = at;
        } catch (e) {
          if (!/to the past/.test(String(e))) throw e;
        }
      }
      const item = p.locator('li[data-notification-id="n-2"]');
      fake.push(AGENT.id, alert(2, { type: 'info', expiresAt: new Date(t + 1500).toISOString() }));
      await item.waitFor();
      await p.clock.runFor(1499);
      expect(await item.count()).toBe(1);
      await p.clock.runFor(1);
      await item.waitFor({ state: 'detached' });
      // Time flows again (the announcement comes 50 ms after the removal, on a timer): it says why the alert left.
      await p.clock.resume();
      await p.locator('#announcer', { hasText: 'Alert expired: Callback for queue 2' }).waitFor();
      expect(problems).toEqual([]);
    } finally {
      await ctx.close();
    }
  });
});
