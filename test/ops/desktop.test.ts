/**
 * The emulator's live agent desktop in a real browser, against the real stack: an alert sent through
 * POST /v1/alerts appears as a toast, "Acknowledge" goes through the emulator's signed callback to the
 * ingress, the relay and the workflow, which ends 'actioned'. Takes the screenshot docs/desktop.png
 * (rewritten with UPDATE_SCREENSHOTS=1).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { describeBrowser, launchChromium } from '../helpers/browser';
import { quietRuntime } from '../helpers/stack';
import { alertRequest, startOpsStack, uniqueId, type OpsStack } from './helpers';

const DOCS_SCREENSHOT = path.resolve(__dirname, '../../docs/desktop.png');
// The committed picture is rewritten only on request, so a test run leaves the work tree clean.
const SCREENSHOT =
  process.env.UPDATE_SCREENSHOTS === '1' || !fs.existsSync(DOCS_SCREENSHOT)
    ? DOCS_SCREENSHOT
    : path.join(os.tmpdir(), `desktop-${process.pid}.png`);

describeBrowser('agent desktop page (emulator) in Chromium', () => {
  const agent = {
    id: uniqueId('desk-agent'),
    name: 'Jordan Smith',
    email: 'jordan.smith@example.com',
    presence: 'Available',
  };
  let stack: OpsStack;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    quietRuntime();
    [stack, browser] = await Promise.all([startOpsStack({ users: [agent] }), launchChromium()]);
    page = await browser.newPage({ viewport: { width: 900, height: 640 }, deviceScaleFactor: 1 });
  });

  afterAll(async () => {
    await page?.close().catch(() => undefined);
    await browser?.close();
    await stack?.close();
  });

  it('shows the toast as it is sent, acknowledges it through the real callback path, and the alert ends actioned', async () => {
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(m.text());
    });
    await page.goto(`${stack.emulator.url}/desktop?agent=${encodeURIComponent(agent.id)}`);
    await page.getByText('live', { exact: true }).waitFor();
    await expect(page.locator('#agent-name').textContent()).resolves.toBe('Jordan Smith');
    await expect(page.locator('#presence-text').textContent()).resolves.toBe('Available');

    // An earlier alert the agent already dealt with, so the screenshot shows both states.
    const key0 = uniqueId('desk-info');
    const first = await stack.api('/v1/alerts', {
      body: alertRequest({
        target: { userId: agent.id },
        title: 'Shift swap approved',
        message: 'Your swap with Avery Lee on Friday 14:00–22:00 was approved.',
        type: 'info',
        priority: 'normal',
        actions: [{ id: 'ok', label: 'OK', actionType: 'callback' }],
        idempotencyKey: key0,
      }),
    });
    expect(first.status).toBe(202);
    const firstToast = page.locator('.toast', { hasText: 'Shift swap approved' });
    await firstToast.getByRole('button', { name: 'OK' }).click();
    await firstToast.locator('[data-callback="delivered"]').waitFor();

    // The alert of the scenario.
    const sent = await stack.api('/v1/alerts', {
      body: alertRequest({ target: { email: agent.email }, idempotencyKey: uniqueId('desk') }),
    });
    expect(sent.status).toBe(202);
    const alertId = sent.json.alertId as string;
    const toast = page.locator('.toast', { hasText: 'Compliance Review Required' });
    await toast.waitFor();
    await expect(toast.getAttribute('class')).resolves.toContain('warning');
    await expect(toast.getByRole('button', { name: 'Open Case' }).isVisible()).resolves.toBe(true);

    await toast.getByRole('button', { name: 'Acknowledge' }).click();
    await toast.locator('[data-action-id="ack"][data-callback="delivered"]').waitFor({ timeout: 40_000 }); // a busy CI box may need the callback's first retry (1 s, then 6 s at timeScale 0.2)
    const state = await stack.waitForAlert(alertId, (s) => s.status === 'actioned');
    expect(state.actions).toEqual([expect.objectContaining({ actionId: 'ack', userId: agent.id })]);
    await expect(toast.getAttribute('data-status')).resolves.toBe('actioned');

    // One still waiting for the agent, for the picture.
    const pending = await stack.api('/v1/alerts', {
      body: alertRequest({
        target: { userId: agent.id },
        title: 'Billing queue above SLA',
        message: '14 customers waiting longer than 5 minutes. Please switch to the Billing queue.',
        type: 'error',
        actions: [
          {
            id: 'dash',
            label: 'Open dashboard',
            actionType: 'openUrl',
            url: 'https://wallboard.example.com/queues/billing',
          },
          { id: 'switch', label: 'Switch queue', actionType: 'callback' },
        ],
        idempotencyKey: uniqueId('desk-sla'),
      }),
    });
    expect(pending.status).toBe(202);
    await page.locator('.toast.error[data-status="shown"]').waitFor();

    fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    const png = await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    if (SCREENSHOT !== DOCS_SCREENSHOT) fs.rmSync(SCREENSHOT, { force: true });
    expect(pageErrors).toEqual([]);
  });

  it("shows callers' text as text, never as markup", async () => {
    const title = 'Review <img src=x onerror="window.__pwned=1"> now';
    const message = '<script>window.__pwned=2</script><b>bold?</b>';
    const sent = await stack.api('/v1/alerts', {
      body: alertRequest({
        target: { userId: agent.id },
        title,
        message,
        actions: [{ id: 'ack', label: '<i>Ack</i>', actionType: 'callback' }],
        idempotencyKey: uniqueId('desk-xss'),
      }),
    });
    expect(sent.status).toBe(202);
    const toast = page.locator('.toast', { hasText: 'onerror' });
    await toast.waitFor();
    await expect(toast.locator('.title').textContent()).resolves.toBe(title);
    await expect(toast.locator('.message').textContent()).resolves.toBe(message);
    await expect(toast.getByRole('button', { name: '<i>Ack</i>' }).count()).resolves.toBe(1);
    await expect(page.locator('main img, main script, main b, main i').count()).resolves.toBe(0);
    await expect(page.evaluate('window.__pwned')).resolves.toBeUndefined();
  });

  it('shows and sets the agent presence through the control API', async () => {
    await page.getByRole('button', { name: 'Go Offline' }).click();
    await page.locator('#presence-text', { hasText: 'Offline' }).waitFor();
    expect(stack.emulator.control.getUser(agent.id)?.presence).toBe('Offline');

    // Changes made elsewhere arrive too (server-sent events).
    stack.emulator.control.updateUser(agent.id, { presence: 'Available' });
    await page.locator('#presence-text', { hasText: 'Available' }).waitFor();
    await expect(page.getByRole('button', { name: 'Go Offline' }).isEnabled()).resolves.toBe(true);
  });
});
