/**
 * The Genesys budget (issue 5): the Genesys task queue's server-side cap holds the outbound rate under
 * the limit over a burst, and a burst looks each agent up once.
 */
import { tsToMs } from '@temporalio/common/lib/time';
import { paceIntervalMs } from '../../src/activities/pacer';
import { genesysQueueFor } from '../../src/shared/constants';
import type { GenesysClient } from '../../src/genesys/types';
import { eventually, makeInput, startStack, type Stack } from '../helpers/stack';
import { temporal } from '@temporalio/proto';
import { genesysQueueDescription, secondWorkers, slidingMax, startAll } from './helpers';

// Generous: these wait for work to finish on a loaded 2-core machine; they assert order and rates, not speed.
jest.setTimeout(150_000);

describe('rate cap', () => {
  let stack: Stack;
  // 900/min = 15 calls/s; the queue is capped at 80 % of that: 12 activities/s.
  const LIMIT_PER_MINUTE = 900;
  const CAP = (0.8 * LIMIT_PER_MINUTE) / 60;
  /**
   * When the stack's gate let each Genesys call through, from its own record: the instant its pacer released the
   * call (monotonic ms, on the emulator's epoch so it compares with arrival times there).
   */
  let passed: number[] = [];
  beforeAll(async () => {
    stack = await startStack({
      emulator: { rateLimitPerMinute: LIMIT_PER_MINUTE },
      workers: {
        genesysActivitiesPerSecond: CAP,
        rateLimitThrottle: {
          onWaited: (_ms, _key, passedAt) => void passed.push(performance.timeOrigin + passedAt),
        },
      },
    });
  });
  afterAll(() => stack?.close());
  beforeEach(() => stack.emulator.control.reset());

  const burst = (n: number, tag: string) => {
    const users = Array.from({ length: 24 }, (_, i) =>
      stack.emulator.control.addUser({ name: `Cap Agent ${tag} ${i}`, email: `cap.${tag}.${i}@example.com` }),
    );
    return Array.from({ length: n }, (_, i) =>
      makeInput({
        type: 'info',
        actions: [],
        target: { userId: users[i % users.length]!.id },
        policy: { requireAck: false, waitForAgent: false, operationalPresences: ['available'] },
      }),
    );
  };
  /**
   * When the server dispatched these workflows' Genesys activities to a worker: ActivityTaskStarted, the server's
   * own record of when its rate limit let each one go.
   */
  const genesysDispatches = async (workflowIds: string[]): Promise<number[]> => {
    const queue = genesysQueueFor(stack.taskQueue);
    const out: number[] = [];
    for (const id of workflowIds) {
      const events = (await stack.client.workflow.getHandle(id).fetchHistory()).events ?? [];
      const scheduled = new Set(
        events
          .filter((e) => e.activityTaskScheduledEventAttributes?.taskQueue?.name === queue)
          .map((e) => String(e.eventId)),
      );
      for (const e of events) {
        const started = e.activityTaskStartedEventAttributes;
        if (started && scheduled.has(String(started.scheduledEventId))) out.push(tsToMs(e.eventTime));
      }
    }
    return out;
  };
  const run = async (inputs: ReturnType<typeof burst>) => {
    const t0 = Date.now();
    passed = [];
    await startAll(stack, inputs);
    await eventually(
      () => stack.emulator.control.listNotifications().length >= inputs.length,
      90_000,
      50,
    ).catch((err: Error) => {
      const s = stack.emulator.control.stats();
      throw new Error(
        `${err.message}; emulator: ${JSON.stringify({ byStatus: s.requests.byStatus, byRoute: Object.keys(s.requests.byRoute), notifications: s.notifications.created })}`,
      );
    });
    const api = stack.emulator.control.listRequests({ pathPrefix: '/api/' });
    return {
      api,
      passed: [...passed].sort((a, b) => a - b),
      elapsed: Date.now() - t0,
      posts: api.filter((r) => r.route.startsWith('POST') && r.path.startsWith('/api/v2/desktop/')),
    };
  };

  test('a burst reaches Genesys at no more than the cap in any second, with no 429', async () => {
    const inputs = burst(48, 'a');
    const { api, posts, elapsed, passed } = await run(inputs);
    expect(api.filter((r) => r.status === 429)).toEqual([]);
    expect(posts).toHaveLength(inputs.length);
    // The server enforces the workers' cap for the whole queue.
    const d = await genesysQueueDescription(stack.client, stack.taskQueue);
    expect(d.effectiveRateLimit?.requestsPerSecond).toBeCloseTo(CAP, 3);
    expect(d.effectiveRateLimit?.rateLimitSource).toBe(
      temporal.api.enums.v1.RateLimitSource.RATE_LIMIT_SOURCE_WORKER,
    );
    // Calls, look-ups included, in any 1-s window: within the cap, as the gate let them through (its pacer's own
    // release instants, real monotonic time: not when this busy process got round to stamping them), each at least
    // the pacing interval after the one before (1e-6: the pacer compares sums of floats).
    expect(slidingMax(passed)).toBeLessThanOrEqual(Math.ceil(CAP));
    const gaps = passed.slice(1).map((t, i) => t - passed[i]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(paceIntervalMs(CAP) - 1e-6);
    // Those are the calls Genesys saw: each arrival there was let through by the gate first. The k-th arrival comes
    // no earlier than the k-th release (it holds for any matching of calls to releases), so none went round the
    // gate. How far the arrivals bunched after leaving on time depends on this machine's load, not on the code: the
    // bench measures it with the emulator in a process of its own (0.80 of the limit); here it is only reported.
    const arrived = api.map((r) => r.at).sort((a, b) => a - b);
    expect(arrived.length).toBeLessThanOrEqual(passed.length);
    const lagMs = arrived.map((a, k) => a - passed[k]!);
    expect(Math.min(...lagMs)).toBeGreaterThanOrEqual(0);
    process.stdout.write(
      `rate cap: at Genesys ${slidingMax(arrived)} in the busiest second (gate: ${slidingMax(passed)}); ` +
        `arrivals up to ${Math.max(...lagMs).toFixed(0)} ms after their release\n`,
    );
    // ... and the burst was really held back (at 12/s, 48 sends take ~4 s), so the check above means something.
    expect(elapsed).toBeGreaterThanOrEqual(((inputs.length - CAP) / CAP) * 1000);
  });

  test('two workers without their own pacing: the server alone holds the average to the cap', async () => {
    const other = await secondWorkers(stack, {
      genesysActivitiesPerSecond: CAP,
      rateLimitThrottle: { callsPerSecond: 0 },
    });
    try {
      const inputs = burst(48, 'b');
      const { api, posts } = await run(inputs);
      expect(api.filter((r) => r.status === 429)).toEqual([]);
      expect(posts).toHaveLength(inputs.length);
      // Measured where the cap is enforced: when the server let each Genesys activity go to a worker (not when the
      // calls were stamped at the emulator, which a late first call in this busy process could bring closer).
      const dispatched = await genesysDispatches(inputs.map((i) => i.alertId));
      expect(dispatched.length).toBeGreaterThanOrEqual(inputs.length);
      const span = Math.max(...dispatched) - Math.min(...dispatched);
      // The server's token bucket may let up to a second's worth through at once; the rest is paced.
      expect(span).toBeGreaterThanOrEqual(((dispatched.length - 2 * CAP) / CAP) * 1000);
    } finally {
      await other.close();
    }
  });
});

describe('look-ups in a burst', () => {
  let stack: Stack;
  const searched: string[][] = [];
  const presenceAsked: { at: number; ids: string[] }[] = [];
  beforeAll(async () => {
    // A recording Genesys client in front of the stack's own: which emails and agents each call asked about.
    const real = () => stack.genesys;
    const recording: GenesysClient = {
      searchUsersByEmail: (emails, ctx) => (
        searched.push([...emails]),
        real().searchUsersByEmail(emails, ctx)
      ),
      getUser: (id, ctx) => real().getUser(id, ctx),
      createNotification: (b, ctx) => real().createNotification(b, ctx),
      getPresences: (ids, ctx) => (
        presenceAsked.push({ at: Date.now(), ids: [...ids] }),
        real().getPresences!(ids, ctx)
      ),
      close: async () => undefined,
    };
    stack = await startStack({ workers: { genesys: recording } });
  });
  afterAll(() => stack?.close());

  test('100 alerts to 20 agents by email: each agent searched once, its presence not fetched again while fresh', async () => {
    const users = Array.from({ length: 20 }, (_, i) =>
      stack.emulator.control.addUser({ name: `Burst Agent ${i}`, email: `burst.${i}@example.com` }),
    );
    const inputs = Array.from({ length: 100 }, (_, i) =>
      makeInput({ target: { email: users[i % users.length]!.email.toUpperCase() } }),
    );
    await startAll(stack, inputs);
    await eventually(() => stack.emulator.control.listNotifications().length >= inputs.length, 90_000, 100);

    const emails = searched.flat();
    expect(new Set(emails).size).toBe(users.length);
    expect(emails).toHaveLength(users.length); // never the same email twice
    // The search brings each agent's presence (expand=presence). A reading is fresh for 5 s and refreshed in bulk
    // once it is older than half that: an agent may reappear in a later bulk call, never sooner.
    const lastSeen = new Map<string, number>();
    for (const call of presenceAsked) {
      expect(new Set(call.ids).size).toBe(call.ids.length);
      for (const id of call.ids) {
        const prev = lastSeen.get(id);
        if (prev !== undefined) expect(call.at - prev).toBeGreaterThanOrEqual(2_400);
        lastSeen.set(id, call.at);
      }
    }
    const api = stack.emulator.control.listRequests({ pathPrefix: '/api/' });
    expect(api.filter((r) => r.route.includes('/api/v2/users/{userId}'))).toEqual([]); // no per-alert GET user
    // (Calls per alert, ~1.0-1.2 depending on how long the burst lasts, is measured by `npm run bench`.)
  });
});
