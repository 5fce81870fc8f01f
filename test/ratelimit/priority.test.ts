/**
 * Priority on the Genesys queue (issue 5), on the real dev server: a `high` alert overtakes a backlog of
 * normal and low ones, and low ones are served alongside normal ones, never after all of them.
 */
import { eventually, makeInput, startStack, type Stack } from '../helpers/stack';
import type { AlertInput } from '../../src/shared/schemas';
import { genesysQueueDescription, holdGenesysQueue, startAll } from './helpers';

// Generous: these wait for work to finish on a loaded 2-core machine; they assert order and rates, not speed.
jest.setTimeout(150_000);

let stack: Stack;
const CAP = 25;
beforeAll(async () => {
  stack = await startStack({ workers: { genesysActivitiesPerSecond: CAP } });
});
afterAll(() => stack?.close());

test('high overtakes a backlog of normal and low alerts; low is not starved by normal', async () => {
  const users = Array.from({ length: 10 }, (_, i) =>
    stack.emulator.control.addUser({ name: `Prio Agent ${i}`, email: `prio.${i}@example.com` }),
  );
  const alert = (priority: AlertInput['priority'], i: number) =>
    makeInput({
      priority,
      type: 'info',
      actions: [],
      target: { userId: users[i % users.length]!.id },
      metadata: { priority },
      policy: { requireAck: false, waitForAgent: false, operationalPresences: ['available'] },
    });
  const normal = Array.from({ length: 80 }, (_, i) => alert('normal', i));
  const low = Array.from({ length: 20 }, (_, i) => alert('low', i));
  const high = Array.from({ length: 5 }, (_, i) => alert('high', i));
  const byKey = new Map([...normal, ...low, ...high].map((a) => [a.idempotencyKey, a.priority]));

  // Build the backlog while the queue is held (as after a long 429), then add the urgent ones and release it.
  // Each step waits until the workflows have scheduled their Genesys activity: the backlog is in the queue.
  const backlogOf = (n: number) =>
    eventually(
      async () => {
        const d = await genesysQueueDescription(stack.client, stack.taskQueue, true);
        return Number(d.stats?.approximateBacklogCount ?? 0) >= n;
      },
      90_000,
      100,
    );
  await holdGenesysQueue(stack.client, stack.taskQueue, true);
  try {
    await startAll(stack, [...normal, ...low]);
    await backlogOf(normal.length + low.length);
    await startAll(stack, high);
    await backlogOf(byKey.size);
  } finally {
    await holdGenesysQueue(stack.client, stack.taskQueue, false);
  }
  await eventually(() => stack.emulator.control.listNotifications().length >= byKey.size, 90_000, 100);

  const order = stack.emulator.control
    .listNotifications()
    .sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt) || a.id.localeCompare(b.id))
    .map((n) => byKey.get(n.idempotencyKey!)!);
  // All high ones among the first few sends (dispatch is rate-paced, so at most a handful were in flight).
  const highPositions = order.map((p, i) => (p === 'high' ? i : -1)).filter((i) => i >= 0);
  expect(highPositions).toHaveLength(high.length);
  expect(Math.max(...highPositions)).toBeLessThan(high.length + 5);
  // Low alerts are interleaved with normal ones (fairness weights 4:1), not left for the end: by the time half
  // the normal backlog is sent, a fair share of the low ones is too.
  const halfNormal = order.findIndex(
    (_, i) => order.slice(0, i + 1).filter((p) => p === 'normal').length === normal.length / 2,
  );
  const lowBeforeHalf = order.slice(0, halfNormal).filter((p) => p === 'low').length;
  expect(lowBeforeHalf).toBeGreaterThanOrEqual(5); // FIFO would give 0; the 4:1 share gives ~10
});
