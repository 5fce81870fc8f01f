/**
 * What a test does when a machine lacks a tool it needs (Chromium, docker compose). On a developer's machine it is
 * skipped, with the reason in its name and on the console, so a reader sees what is missing and how to install it.
 * Where REQUIRE_TEST_TOOLS=1 (.ci/run sets it, after installing them) a missing tool fails the run instead: in CI
 * these tests always run.
 */
export function skipForMissingTool(reason: string): string {
  if (process.env.REQUIRE_TEST_TOOLS === '1') {
    throw new Error(`${reason} (REQUIRE_TEST_TOOLS=1: the tests that need it must run)`);
  }
  console.warn(`Skipping: ${reason}`);
  return ` [skipped: ${reason}]`;
}
