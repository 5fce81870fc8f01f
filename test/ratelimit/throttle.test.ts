/**
 * A 429 slows every worker (issue 5), on the real dev server with two worker sets on one queue: after one
 * of them gets a 429 with Retry-After, no worker calls Genesys until the time has passed, then all resume.
 */
import { nowMs } from '../../src/emulator/time';
import { makeInput, eventually, startStack, type Stack } from '../helpers/stack';
import { genesysQueueConfig, secondWorkers, sleep, startAll } from './helpers';

// Generous: these wait for work to finish on a loaded 2-core machine; they assert order and rates, not speed.
jest.setTimeout(150_000);

/**
 * What each worker's gate did, in the order it happened (one event loop: the emulator, both workers and this test
 * share it). `at` is on the emulator's clock (nowMs), which both throttles' pauses also run on, so it compares with
 * the emulator's arrival times and with a pause's end. A pass is stamped when the gate has just decided (in the same
 * turn), a close when the pause took effect at that worker: at its 429, or when its sweep found the other's pause.
 */
type GateEvent =
  | { kind: 'pass'; worker: string; at: number }
  | { kind: 'close'; worker: string; at: number; until: number; cause: string };
const gate: GateEvent[] = [];
const recording = (worker: string) => ({
  sweepMs: 500,
  now: nowMs,
  onWaited: () => void gate.push({ kind: 'pass', worker, at: nowMs() }),
  onGateClosed: (until: number, cause: string) =>
    void gate.push({ kind: 'close', worker, at: nowMs(), until, cause }),
});

let stack: Stack;
let other: Awaited<ReturnType<typeof secondWorkers>>;
beforeAll(async () => {
  // Fast sweeps so the test also sees the pause adopted and lifted by whichever worker gets there first.
  stack = await startStack({
    workers: { genesysActivitiesPerSecond: 20, rateLimitThrottle: recording('first') },
  });
  other = await secondWorkers(stack, {
    genesysActivitiesPerSecond: 20,
    rateLimitThrottle: recording('second'),
  });
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
  // The pause took effect at both workers while it lasted: at once at the one that got the 429, and at the other
  // when its sweep found it on the server (which is also how we know the server-side pause was written).
  const closes = ['first', 'second'].map((worker) => {
    const c = gate.find((e) => e.kind === 'close' && e.worker === worker && e.at >= throttled.at);
    if (c?.kind !== 'close') throw new Error(`the pause never took effect at the ${worker} worker`);
    return c;
  });
  expect(closes.map((c) => c.cause).sort()).toEqual(['adopted', 'rate-limited']);
  for (const c of closes) {
    expect(c.until).toBeGreaterThanOrEqual(throttled.at + 3_000 - 1); // Retry-After 3 s (whole ms on the server)
    expect(c.at).toBeLessThan(c.until);
  }
  // From then until the pause ended, neither gate let a call through, although alerts kept arriving at both workers.
  for (const c of closes) {
    const after = gate.slice(gate.indexOf(c) + 1);
    const early = after.filter((e) => e.kind === 'pass' && e.worker === c.worker && e.at < c.until);
    expect({ worker: c.worker, early }).toEqual({ worker: c.worker, early: [] });
  }
  // At Genesys: once the later of the two had closed, nothing arrived before the pause ended but the calls already
  // on their way then (let through before it closed and not yet arrived: usually none). Measured from the pause
  // taking effect, not from a guess of how soon it does (a loaded machine took over 300 ms).
  const last = closes.reduce((a, b) => (gate.indexOf(a) > gate.indexOf(b) ? a : b));
  const end = Math.min(...closes.map((c) => c.until));
  const passedBefore = gate.slice(0, gate.indexOf(last)).filter((e) => e.kind === 'pass').length;
  const inFlight = passedBefore - api.filter((r) => r.at < last.at).length;
  const duringPause = api.filter((r) => r.at >= last.at && r.at < end);
  process.stdout.write(
    `throttle: pause in effect at both workers ${(last.at - throttled.at).toFixed(0)} ms after the 429; ` +
      `${inFlight} call(s) in flight then, ${duringPause.length} arrived during the pause\n`,
  );
  expect(inFlight).toBeGreaterThanOrEqual(0);
  expect(duringPause.length).toBeLessThanOrEqual(inFlight);
  // Every call Genesys saw went through a gate (none around it): the two records above describe the same calls.
  expect(api.length).toBeLessThanOrEqual(gate.filter((e) => e.kind === 'pass').length);
  const after = api.filter((r) => r.at >= throttled.at + 3_000);
  expect(after.length).toBeGreaterThan(20);
  // The pause was lifted for everyone, and the queue's own cap is back. restored counts after the lifting write has
  // been answered, which can be just after a describe already shows it: wait for the counter itself.
  const lifted = await eventually(
    () => (stack.workers.throttle?.counters.restored ?? 0) + (other.workers.throttle?.counters.restored ?? 0),
    10_000,
    50,
  );
  expect(lifted).toBeGreaterThanOrEqual(1);
  const config = await genesysQueueConfig(stack.client, stack.taskQueue);
  expect(config?.rateLimit).toBeFalsy();
  expect(config?.metadata?.reason).toMatch(/lifted/);
});
