/**
 * Real Chromium for the browser tests: Debian's build (CHROMIUM_PATH to use another), launched the same way by
 * every test, and axe-core run inside a page or frame. Without Chromium the suites are skipped with a note that says
 * how to install it, visible in the output and not only as a skipped count.
 */
import fs from 'node:fs';
import { skipForMissingTool } from './missing-tool';
import { chromium, type Browser, type Frame, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const haveChromium = fs.existsSync(CHROMIUM);

/** `describe`, or, without Chromium, a skip whose name says why (a failure under REQUIRE_TEST_TOOLS=1, as in CI). */
export function describeBrowser(name: string, fn: () => void): void {
  if (!haveChromium) {
    const why = skipForMissingTool(
      `no Chromium at ${CHROMIUM}; install it with \`apt-get install chromium\` (or set CHROMIUM_PATH)`,
    );
    describe.skip(`${name}${why}`, fn);
    return;
  }
  describe(name, fn);
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

const AXE_SOURCE = (): string => fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/**
 * axe-core's WCAG 2.1 A/AA and best-practice rules in `target`: each violation as its id and the elements. The
 * pages' CSPs refuse inline scripts, so a <script> tag (addScriptTag) cannot carry axe; evaluating its source over
 * the DevTools protocol is not subject to the page's CSP.
 */
export async function axeViolations(
  target: Page | Frame,
): Promise<Array<{ id: string; targets: unknown[] }>> {
  await target.evaluate(AXE_SOURCE());
  const results = await target.evaluate(async () => {
    const axe = (
      globalThis as unknown as {
        axe: { run: (o: unknown) => Promise<{ passes: unknown[]; violations: unknown[] }> };
      }
    ).axe;
    const r = await axe.run({
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    });
    return { passes: r.passes.length, violations: r.violations };
  });
  expect(results.passes).toBeGreaterThan(20); // axe really ran
  return (results.violations as Array<{ id: string; nodes: Array<{ target: unknown }> }>).map((v) => ({
    id: v.id,
    targets: v.nodes.map((n) => n.target),
  }));
}
