/**
 * A 429 slows every worker (issue 5), on the real dev server with two worker sets on one queue: after one
 * of them gets a 429 with Retry-After, no worker calls Genesys until the time has passed, then all resume.
 */
import { makeInput, eventually, startStack, type Stack } from '../helpers/stack';
import { genesysQueueConfig, secondWorkers, sleep, startAll } from './helpers';

// Generous: these wait for work to finish on a loaded 2-core machine; they assert order and rates, not speed.
jest.setTimeout(150_000);

let stack: Stack;
let other: Awaited<ReturnType<typeof secondWorkers>>;
beforeAll(async () => {
  // Fast sweeps so the test also sees the pause adopted and lifted by whichever worker gets there first.
  stack = await startStack({
    workers: { genesysActivitiesPerSecond: 20, rateLimitThrottle: { sweepMs: 500 } },
  });
  other = await secondWorkers(stack, { genesysActivitiesPerSecond: 20, rateLimitThrottle: { sweepMs: 500 } });
});
afterAll(async () => {
  await other?.close();
  await stack?.close();
});

test('after a 429 with Retry-After 3 s, neither worker calls Genesys until it has passed', async () => {
  const users = Array.from({ length: 10 }, (_, i) =>
    stack.emulator.control.addUser({ name: `Throttle Agent ${i}`, email: `throttle.${i}@example.com` }),
  );
  const alert = (i: number) =>
    makeInput({
      type: 'info',
      actions: [],
      target: { userId: users[i % users.length]!.id },
      policy: { requireAck: false, waitForAgent: false, operationalPresences: ['available'] },
    });
  // Warm up: both workers have their tokens and the agents' presence.
  await startAll(
    stack,
    Array.from({ length: 10 }, (_, i) => alert(i)),
  );
  await eventually(() => stack.emulator.control.listNotifications().length >= 10, 20_000, 50);

  // A steady trickle of alerts (10/s for 4 s); the first send of it is throttled by "Genesys".
  stack.emulator.control.forceStatus({
    status: 429,
    count: 1,
    method: 'POST',
    pathPrefix: '/api/v2/desktop/notifications',
    retryAfterSeconds: 3,
  });
  const trickle: Promise<unknown>[] = [];
  for (let i = 0; i < 40; i++) {
    trickle.push(startAll(stack, [alert(i)]));
    await sleep(100);
  }
  await Promise.all(trickle);
  await eventually(() => stack.emulator.control.listNotifications().length >= 50, 90_000, 100);

  const api = stack.emulator.control.listRequests({ pathPrefix: '/api/' });
  const throttled = api.find((r) => r.status === 429)!;
  expect(throttled).toBeDefined();
  expect(api.filter((r) => r.status === 429)).toHaveLength(1);
  // The pause reaches the server and the other worker within a moment (in-flight calls may finish); after
  // that, silence until Retry-After has passed, although alerts kept arriving at both workers.
  const window = api.filter((r) => r.at > throttled.at + 300 && r.at < throttled.at + 3_000);
  expect(window).toEqual([]);
  const after = api.filter((r) => r.at >= throttled.at + 3_000);
  expect(after.length).toBeGreaterThan(20);
  // Both workers took part after the pause: it was lifted for everyone, and the queue's own cap is back.
  const config = await eventually(
    async () => {
      const c = await genesysQueueConfig(stack.client, stack.taskQueue);
      return c && !c.rateLimit ? c : undefined;
    },
    10_000,
    200,
  );
  expect(config.metadata?.reason).toMatch(/lifted/);
  const lifted =
    (stack.workers.throttle?.counters.restored ?? 0) + (other.workers.throttle?.counters.restored ?? 0);
  expect(lifted).toBeGreaterThanOrEqual(1);
});
