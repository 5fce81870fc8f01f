/**
 * The agent app end to end in a real Chromium (AGENT-APP.md's last paragraph): the emulator's desktop shell frames
 * the real page served by the real ingress (the URL a Genesys integration registers, placeholders filled by the
 * shell); the page signs in with the real platform client (PKCE against the emulator: the shell's login cookie
 * approves at once, in the popup the framed page opens), gets its session and goes live; `POST /v1/alerts` goes
 * through the real workflow and the agent-app channel; the host toast shows in the shell (and in the control API)
 * and the button in the frame; a second agent's session gets 403 for it; the click ends the alert `actioned` and
 * the alert leaves the app's list. axe-core runs in the framed app. Takes docs/agent-app.png (rewritten with
 * UPDATE_SCREENSHOTS=1 or when missing).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WorkflowNotFoundError } from '@temporalio/client';
import { type Browser, type BrowserContext, type Frame, type Page } from 'playwright-core';
import { LIFECYCLE } from '../../src/cli/install-app/wanted';
import { axeViolations, describeBrowser, launchChromium } from '../helpers/browser';
import { until } from '../helpers/eventually';
import { EMULATOR_APP_CLIENT_ID, emulatorUserToken, exchangeSession } from '../helpers/agent-app-client';
import { quietRuntime } from '../helpers/stack';
import { alertRequest, startOpsStack, uniqueId, type OpsStack } from '../ops/helpers';

const DOCS_SCREENSHOT = path.resolve(__dirname, '../../docs/agent-app.png');
// The committed picture is rewritten only on request (or when missing), so a test run leaves the work tree clean.
const SCREENSHOT =
  process.env.UPDATE_SCREENSHOTS === '1' || !fs.existsSync(DOCS_SCREENSHOT)
    ? DOCS_SCREENSHOT
    : path.join(os.tmpdir(), `agent-app-${process.pid}.png`);

/** The integration URL an admin registers (AGENT-APP.md), on the stack's ingress. */
const APP_TEMPLATE =
  '/agent-app/?gcHostOrigin={{gcHostOrigin}}&gcTargetEnv={{gcTargetEnv}}&gcLangTag={{gcLangTag}}&gcUseDarkTheme={{gcUseDarkTheme}}';

jest.setTimeout(120_000);

describeBrowser('agent app in the emulator shell, against the whole service, in Chromium', () => {
  const alex = {
    id: uniqueId('e2e-alex'),
    name: 'Alex Morgan',
    email: `${uniqueId('alex')}@example.com`,
    presence: 'Available',
  };
  const bo = {
    id: uniqueId('e2e-bo'),
    name: 'Bo Lindqvist',
    email: `${uniqueId('bo')}@example.com`,
    presence: 'Available',
  };
  let stack: OpsStack;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    quietRuntime();
    [stack, browser] = await Promise.all([
      startOpsStack({
        users: [alex, bo],
        desktopChannels: ['agent-app', 'notifications-endpoint'],
        // The shell asks on every page load; the ingress listens by then. With the lifecycle hooks install-app
        // registers, so the shell sends the real page the hooks Genesys would.
        emulator: ({ ingressUrl }) => ({
          agentAppUrl: () => {
            const url = ingressUrl();
            return url ? `${url}${APP_TEMPLATE}` : undefined;
          },
          agentAppLifecycle: LIFECYCLE,
        }),
        agentAppConfig: (emulatorUrl) => ({ clientId: EMULATOR_APP_CLIENT_ID, hostOrigins: [emulatorUrl] }),
      }),
      launchChromium(),
    ]);
    context = await browser.newContext({ viewport: { width: 1200, height: 760 }, deviceScaleFactor: 1 });
    // Every page of the context: the shell, the framed app, the sign-in popup.
    context.on('page', (p) => watch(p, 'popup'));
    page = await context.newPage();
  });

  function watch(p: Page, label: string): void {
    p.on('pageerror', (e) => problems.push(`${label} pageerror: ${e.message}`));
    p.on('console', (m) => {
      // Chromium's own favicon request (no page asks for one) 404s on the emulator and the ingress alike.
      if (m.type() === 'error' && !m.location().url.endsWith('/favicon.ico'))
        problems.push(`${label} console: ${m.text()} @ ${m.location().url}`);
    });
  }

  afterAll(async () => {
    await context?.close().catch(() => undefined);
    await browser?.close();
    await stack?.close();
  });

  /** The framed app's Frame (for evaluate), once the shell has loaded it. */
  async function appFrame(): Promise<Frame> {
    return until('the app frame', () => page.frames().find((f) => f.url().includes('/agent-app/')));
  }

  it('shell -> app -> sign-in -> POST /v1/alerts -> host toast and button -> click -> actioned -> withdrawn', async () => {
    watch(page, 'shell');
    const emu = stack.emulator;
    await page.goto(`${emu.url}/desktop?agent=${encodeURIComponent(alex.id)}`);
    await page.locator('#agent-name', { hasText: alex.name }).waitFor();
    const frameEl = page.locator('#app-frame');
    await frameEl.waitFor();
    // The shell filled in the integration URL's placeholders: its own origin as the host, the prod environment.
    const src = new URL((await frameEl.getAttribute('src'))!);
    expect(src.origin).toBe(stack.ingress.url);
    expect(src.pathname).toBe('/agent-app/');
    expect(src.searchParams.get('gcHostOrigin')).toBe(emu.url);
    expect(src.searchParams.get('gcTargetEnv')).toBe('prod');
    const app = page.frameLocator('#app-frame');

    // The registered bootstrap hook went to the real page, and the page answered it (Genesys holds an app with
    // that hook until it does) before the sign-in, which needs the agent's click.
    await until('the bootstrapped answer', () =>
      emu.control
        .getShellState(alex.id)
        .lifecycle.some((e) => e.direction === 'received' && e.name === 'bootstrapped'),
    );
    expect(emu.control.getShellState(alex.id).lifecycle.map((e) => `${e.direction} ${e.name}`)).toEqual([
      'sent bootstrap',
      'received bootstrapped',
    ]);
    await page.locator('#app-status', { hasText: 'ready' }).waitFor();

    // Framed, the page signs in from a button, through a popup (a login page may refuse to be framed). The
    // shell's cookie approves the popup at /oauth/authorize at once; the popup hands the code back and closes.
    const signIn = app.getByRole('button', { name: 'Sign in' });
    const live = app.locator('#connection[data-state="live"]');
    await Promise.race([signIn.waitFor(), live.waitFor()]);
    if (await signIn.isVisible()) {
      const popupOpened = context.waitForEvent('page');
      await signIn.click();
      const popup = await popupOpened;
      await popup.waitForEvent('close', { timeout: 20_000 }).catch(async () => {
        throw new Error(`the sign-in popup stayed open at ${popup.url()}`);
      });
    }
    await live.waitFor({ timeout: 20_000 });
    await app.locator('#user', { hasText: `Signed in as ${alex.name}` }).waitFor();
    await expect(app.locator('#host-note').isHidden()).resolves.toBe(true);
    // The real PKCE exchange and the platform client's token check, cross-origin, then the service's users/me.
    const routes = emu.control.listRequests().map((r) => `${r.route} ${r.status}`);
    expect(routes).toEqual(
      expect.arrayContaining([
        'POST /oauth/token 200',
        'GET /api/v2/tokens/me 200',
        'GET /api/v2/users/me 200',
      ]),
    );
    // The shell saw the SDK's messages: the attention count.
    await until('the attention count', () => emu.control.getShellState(alex.id).attention);

    // The node announces Alex to the registry a moment after the connect; before that, the channel would fall
    // through to the notifications endpoint.
    await until('the agent-app registry', async () => {
      const h = stack.client.workflow.getHandle(`agent-app-registry-${stack.ingress.alerts.taskQueue}`);
      return h.describe().then(
        () => true,
        (e: unknown) => {
          if (e instanceof WorkflowNotFoundError) return false;
          throw e;
        },
      );
    });
    const sent = await stack.api('/v1/alerts', {
      body: alertRequest({ target: { userId: alex.id }, idempotencyKey: uniqueId('e2e') }),
    });
    expect(sent.status).toBe(202);
    const alertId = sent.json.alertId as string;

    // The app's list: the alert with its buttons.
    const item = app.locator('li.alert', { hasText: 'Compliance Review Required' });
    await item.waitFor({ timeout: 30_000 });
    const ack = item.getByRole('button', { name: 'Acknowledge' });
    await expect(ack.isVisible()).resolves.toBe(true);
    await expect(item.getByRole('button', { name: /Open Case/ }).isVisible()).resolves.toBe(true);
    const notificationId = (await item.getAttribute('data-notification-id'))!;
    expect(notificationId).toBeTruthy();

    // The host toast in the shell (warning: info type, sticky, "Warning:" title) and in the control API.
    const hostToast = page.locator('.host-toast', { hasText: 'Compliance Review Required' });
    await hostToast.waitFor();
    await expect(hostToast.locator('.title').textContent()).resolves.toBe(
      'Warning: Compliance Review Required',
    );
    const toasts = await until('the recorded host toast', async () => {
      const r = await fetch(`${emu.url}/__emulator/desktop/${encodeURIComponent(alex.id)}/host-toasts`);
      const list = (await r.json()) as Record<string, unknown>[];
      return list.some((t) => t.appToastId === notificationId) ? list : undefined;
    });
    expect(toasts.find((t) => t.appToastId === notificationId)).toMatchObject({
      userId: alex.id,
      title: 'Warning: Compliance Review Required',
      message: 'Customer interaction #TXN-88921 flagged for secondary verification.',
      type: 'info',
      timeout: 0,
      showCloseButton: true,
      markdownMessage: false,
      appOrigin: stack.ingress.url,
      dismissedAt: null,
    });
    // Delivered by the agent app: the alert waits for the action, and the REST channel was never asked.
    const waiting = await stack.waitForAlert(alertId, (s) => s.status === 'awaiting_action');
    expect(waiting.desktopChannel).toBe('agent-app');
    expect(emu.control.listNotifications({ userId: alex.id })).toEqual([]);

    // axe-core in the framed app, with an alert on screen.
    expect(await axeViolations(await appFrame())).toEqual([]);

    // The picture: the shell with the host toast and the app's list.
    fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    const png = await page.screenshot({ path: SCREENSHOT });
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    if (SCREENSHOT !== DOCS_SCREENSHOT) fs.rmSync(SCREENSHOT, { force: true });

    // Bo, signed in with his own Genesys token, cannot act on Alex's notification.
    const boSession = await exchangeSession(stack.ingress.url, await emulatorUserToken(emu.url, bo.email));
    const forbidden = await fetch(`${stack.ingress.url}/agent-app/actions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${boSession.sessionToken}` },
      body: JSON.stringify({ notificationId, actionId: 'ack' }),
    });
    expect(forbidden.status).toBe(403);

    // Alex clicks: the alert ends actioned by Alex, and the alert leaves the app's list.
    await ack.click();
    const done = await stack.waitForAlert(alertId, (s) => s.status === 'actioned', 30_000);
    expect(done.actions).toEqual([expect.objectContaining({ actionId: 'ack', userId: alex.id })]);
    await item.waitFor({ state: 'detached', timeout: 20_000 });
    await app.locator('#empty').waitFor();
    expect(problems).toEqual([]);
  });
});
