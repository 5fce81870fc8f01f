/**
 * The org's own rate figure cluster-wide, on the real dev server: every worker spends one token's budget, so a
 * lower inin-ratelimit-allowed also lowers the Genesys task queue's server-side rate (queueRateLimit) to that
 * figure times the share; a 429 pause then ends back at that rate, not at none; and when the figure rises to the
 * configured one again, the override goes and the workers' own cap applies.
 */
import { temporal } from '@temporalio/proto';
import { GenesysThrottle } from '../../src/activities/throttle';
import { eventually } from '../helpers/eventually';
import { connectTestClient, uniqueQueue } from '../helpers/temporal';

jest.setTimeout(60_000);

const SHARE = 0.8;
const CONFIGURED = (300 * SHARE) / 60;

let conn: Awaited<ReturnType<typeof connectTestClient>>;
beforeAll(async () => {
  conn = await connectTestClient();
});
afterAll(async () => {
  await conn?.close();
});

async function queueRate(taskQueue: string) {
  const d = await conn.connection.workflowService.describeTaskQueue({
    namespace: 'default',
    taskQueue: { name: taskQueue },
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
    reportConfig: true,
  });
  const q = d.config?.queueRateLimit;
  return {
    rate: q?.rateLimit ? (q.rateLimit.requestsPerSecond ?? 0) : undefined,
    reason: q?.metadata?.reason,
  };
}

type Written = { rate: number | undefined; reason: string };

/**
 * A throttle on `taskQueue` paced at the configured rate, with no sweep of its own (the test drives it). `written`
 * gets every queue config update the server accepted, in order: what the throttle did, which a describe can miss
 * (a 1 s pause is over before a describe on a stalled machine gets to see it).
 */
const throttleOn = (taskQueue: string, written: Written[] = []) => {
  const service = conn.connection.workflowService;
  return new GenesysThrottle({
    service: {
      describeTaskQueue: (req) => service.describeTaskQueue(req),
      updateTaskQueueConfig: async (req) => {
        const res = await service.updateTaskQueueConfig(req);
        const q = req.updateQueueRateLimit;
        written.push({
          rate: q?.rateLimit ? (q.rateLimit.requestsPerSecond ?? 0) : undefined,
          reason: q?.reason ?? '',
        });
        return res;
      },
    },
    namespace: 'default',
    taskQueue,
    callsPerSecond: CONFIGURED,
    rateLimitShare: SHARE,
    sweepMs: 0,
  }).start();
};

test('the queue follows the org figure, and a 429 pause ends back at it', async () => {
  const taskQueue = uniqueQueue('org-rate');
  const written: Written[] = [];
  const throttle = throttleOn(taskQueue, written);
  try {
    const lowered = (180 * SHARE) / 60;
    throttle.onRateLimitAllowed(180);
    const down = await eventually(async () => {
      const q = await queueRate(taskQueue);
      return q.rate !== undefined && q.rate > 0 ? q : undefined;
    });
    expect(down.rate).toBeCloseTo(lowered, 3);

    // A 429 shuts the queue for every worker (rate 0, ending at the org's rate); when its Retry-After has passed,
    // the org's rate is back. The throttle's own counters say when each write was answered.
    throttle.onRateLimited(1);
    await eventually(() => throttle.counters.paused >= 1);
    await eventually(() => throttle.counters.restored >= 1, 10_000);
    // Written in order: the org's rate, the pause (carrying the rate it ends at), the rate again when it ended.
    expect(written).toHaveLength(3);
    const [pause, lift] = written.slice(1);
    expect(pause).toEqual({
      rate: 0,
      reason: expect.stringMatching(/genesys-429 until=\d+ .* restore=2\.400$/),
    });
    expect(lift!.rate).toBeCloseTo(lowered, 3);
    expect(lift!.reason).toMatch(/org-rate .*pause lifted/);
    const after = await queueRate(taskQueue);
    expect(after.rate).toBeCloseTo(lowered, 3);
    expect(after.reason).toMatch(/pause lifted/);
    expect(throttle.counters).toEqual({ paused: 1, restored: 1, waited: 0 });

    // The figure rises above the configured one: the override goes (the workers' own cap is the configured rate).
    throttle.onRateLimitAllowed(6000);
    const up = await eventually(async () => {
      const q = await queueRate(taskQueue);
      return q.rate === undefined ? q : undefined;
    });
    expect(up.reason).toMatch(/org-rate/);
  } finally {
    await throttle.close();
  }
});

test('a rate limit someone else set on the queue is left alone', async () => {
  const taskQueue = uniqueQueue('org-rate-operator');
  await conn.connection.workflowService.updateTaskQueueConfig({
    namespace: 'default',
    identity: 'operator',
    taskQueue,
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
    updateQueueRateLimit: { rateLimit: { requestsPerSecond: 1 }, reason: 'operator: maintenance' },
  });
  const throttle = throttleOn(taskQueue);
  try {
    throttle.onRateLimitAllowed(180);
    // Pacing locally still follows the figure; the server's config is the operator's.
    expect(throttle.callsPerSecond).toBeCloseTo((180 * SHARE) / 60);
    await throttle.close();
    const q = await queueRate(taskQueue);
    expect(q).toEqual({ rate: 1, reason: 'operator: maintenance' });
  } finally {
    await throttle.close();
  }
});
