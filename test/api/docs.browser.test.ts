/**
 * GET /docs in a real Chromium: Swagger UI renders every operation of the spec under the page's strict CSP, with no
 * console error, no CSP violation, and no request to anywhere but the ingress (no CDN, no validator badge, no
 * telemetry).
 */
import type { Browser, Page } from 'playwright-core';
import { describeBrowser, launchChromium } from '../helpers/browser';
import { startAppServer, type AppServer } from '../security/app-server';
import { testConfig } from './helpers';

// The browser globals used inside page callbacks (the project compiles without the DOM lib).
declare const window: { cspViolations: string[] };
declare function addEventListener(
  type: string,
  listener: (e: { violatedDirective: string; blockedURI: string }) => void,
): void;

describeBrowser('GET /docs in Chromium', () => {
  let server: AppServer;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  const requested: string[] = [];

  beforeAll(async () => {
    server = await startAppServer(testConfig());
    browser = await launchChromium();
    page = await browser.newPage();
    // Init scripts run through the DevTools protocol, outside the page's CSP: they can record its violations.
    await page.addInitScript(() => {
      window.cspViolations = [];
      addEventListener('securitypolicyviolation', (e) =>
        window.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`),
      );
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning' || m.text().includes('Refused to'))
        problems.push(`console ${m.type()}: ${m.text()} @ ${m.location().url}`);
    });
    page.on('request', (r) => requested.push(r.url()));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  test('shows every operation of the spec, with no error, no CSP violation, nothing fetched from elsewhere', async () => {
    await page.goto(`${server.url}/docs`);
    const alerts = page
      .locator('.opblock', { hasText: 'POST' })
      .filter({ hasText: /\/v1\/alerts\s*Start an alert/ });
    await alerts.first().waitFor({ timeout: 20_000 });
    const spec = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const operations = Object.values(spec.paths).reduce((n, ops) => n + Object.keys(ops).length, 0);
    expect(await page.locator('.opblock').count()).toBe(operations);
    // Opening an operation renders its schema (the icons and styles the CSP must allow).
    await alerts.first().locator('.opblock-summary').click();
    await page.locator('.opblock.is-open .model-example, .opblock.is-open .body-param').first().waitFor();

    expect(await page.evaluate(() => window.cspViolations)).toEqual([]);
    expect(problems).toEqual([]);
    expect(requested.length).toBeGreaterThanOrEqual(4); // the page, its scripts and stylesheet, the spec
    expect(requested.filter((u) => !u.startsWith(`${server.url}/`) && !u.startsWith('data:'))).toEqual([]);
    expect(requested).toContain(`${server.url}/openapi.json`);
  });
});
