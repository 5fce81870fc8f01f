/**
 * Retry-After has a ceiling (issue 11, item 5). A header such as `Retry-After: 99999999999999999999` once threw
 * in toISOString() and left the worker's gate shut until a restart, and any pause over about 24.8 days
 * overflowed setTimeout into a hot loop of describeTaskQueue. The throttle runs against the real dev server;
 * its clock is injected, so nothing here depends on how fast the machine is.
 */
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import pino from 'pino';
import { pausedUntil } from '../../src/activities/queue-pause';
import { GenesysThrottle } from '../../src/activities/throttle';
import { eventually } from '../helpers/eventually';
import { testTemporalAddress, uniqueQueue } from '../helpers/temporal';

const NOW = Date.parse('2026-11-29T10:00:00Z');
const ACTIVITY = temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY;

let connection: Connection;
beforeAll(async () => {
  connection = await Connection.connect({ address: testTemporalAddress() });
});
afterAll(async () => {
  await connection?.close();
});

const throttles: GenesysThrottle[] = [];
afterEach(async () => {
  await Promise.all(throttles.splice(0).map((t) => t.close()));
});

function throttle(taskQueue: string, extra: { maxPauseMs?: number } = {}): GenesysThrottle {
  const t = new GenesysThrottle({
    service: connection.workflowService,
    namespace: 'default',
    taskQueue,
    now: () => NOW,
    sweepMs: 0,
    // A real logger: the pause's end is formatted for the log line, which is where a huge value threw.
    logger: pino({ level: 'silent' }),
    ...extra,
  });
  throttles.push(t);
  return t;
}

/** The pause end written on the server's queue config, or undefined when there is none of ours. */
async function serverPause(taskQueue: string): Promise<number | undefined> {
  const d = await connection.workflowService.describeTaskQueue({
    namespace: 'default',
    taskQueue: { name: taskQueue },
    taskQueueType: ACTIVITY,
    reportConfig: true,
  });
  const q = d.config?.queueRateLimit;
  return q?.rateLimit ? pausedUntil(q.metadata?.reason) : undefined;
}

test('a Retry-After of 99999999999999999999 s pauses for the 300 s default ceiling, and the pause reaches the server', async () => {
  const queue = uniqueQueue('genesys-cap');
  const t = throttle(queue);
  expect(() => t.onRateLimited(Number('99999999999999999999'))).not.toThrow();
  expect(t.remainingMs()).toBe(300_000);
  expect(await eventually(() => serverPause(queue))).toBe(NOW + 300_000);
});

test('the ceiling is configurable', () => {
  const t = throttle(uniqueQueue('genesys-cap'), { maxPauseMs: 60_000 });
  t.onRateLimited(3_600);
  expect(t.remainingMs()).toBe(60_000);
});

test.each([Infinity, NaN, -5])('a Retry-After of %p is ignored: the 1 s default applies', (seconds) => {
  const t = throttle(uniqueQueue('genesys-cap'));
  t.onRateLimited(seconds);
  expect(t.remainingMs()).toBe(1_000);
});

test('a pause of ours found on the server beyond the ceiling (30 days) is brought back within it', async () => {
  const queue = uniqueQueue('genesys-cap');
  const far = NOW + 30 * 86_400_000;
  // As a process without the ceiling would have left it.
  await connection.workflowService.updateTaskQueueConfig({
    namespace: 'default',
    identity: 'test',
    taskQueue: queue,
    taskQueueType: ACTIVITY,
    updateQueueRateLimit: {
      rateLimit: { requestsPerSecond: 0 },
      reason: `desktop-alerts:genesys-429 until=${far} (${new Date(far).toISOString()})`,
    },
  });
  const t = throttle(queue).start();
  await eventually(() => t.remainingMs() > 0);
  expect(t.remainingMs()).toBe(300_000);
  expect(
    await eventually(async () => ((await serverPause(queue)) === NOW + 300_000 ? true : undefined)),
  ).toBe(true);
});
