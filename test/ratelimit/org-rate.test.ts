/**
 * Pacing to the org's own figure (GENESYS.md, "Rate limits"): Genesys says on every answer how many requests a
 * minute this token is allowed (inin-ratelimit-allowed), and 180 is seen where 300 is configured. The client reads
 * it, the throttle paces this process down to it (times the share) and back up, never above the configured
 * rate; malformed figures change nothing. Over undici's MockAgent: the figures are the test's to choose.
 */
import { Registry } from 'prom-client';
import type { TaskQueueConfigService } from '../../src/activities/queue-pause';
import { paceIntervalMs } from '../../src/activities/pacer';
import { GenesysThrottle } from '../../src/activities/throttle';
import type { GenesysCallEvent } from '../../src/genesys/types';
import { workerMetrics } from '../../src/observability/worker-telemetry';
import { API, captureLogger, makeClient, useMockAgent, user } from '../genesys/helpers';
import { VirtualClock } from '../helpers/virtual-clock';

const unused: TaskQueueConfigService = {
  describeTaskQueue: () => Promise.reject(new Error('not used by pacing')),
  updateTaskQueueConfig: () => Promise.reject(new Error('not used by pacing')),
};

const SHARE = 0.8;
/** The configured figure: 300 a minute, 80 % of it for this service, i.e. 4 calls a second. */
const CONFIGURED = (300 * SHARE) / 60;

describe('pacing to inin-ratelimit-allowed', () => {
  const mock = useMockAgent();

  /** Answers GET /api/v2/users/u1 with the given inin-ratelimit-allowed header (undefined: none). */
  function answerWith(allowed: string | undefined): void {
    mock.agent
      .get(API)
      .intercept({ path: (p) => p.startsWith('/api/v2/users/u1?'), method: 'GET' })
      .reply(200, JSON.stringify(user('u1')), {
        headers: {
          'content-type': 'application/json',
          ...(allowed === undefined ? {} : { 'inin-ratelimit-allowed': allowed }),
        },
      });
  }

  function setup() {
    const { logger, output } = captureLogger();
    const clock = new VirtualClock();
    const throttle = new GenesysThrottle({
      clock,
      service: unused,
      namespace: 'default',
      taskQueue: 'q',
      logger,
      callsPerSecond: CONFIGURED,
      rateLimitShare: SHARE,
    });
    const events: GenesysCallEvent[] = [];
    const client = makeClient(mock.agent, {
      onCall: (e) => {
        events.push(e);
        throttle.onRateLimitAllowed(e.rateLimitAllowed);
      },
    });
    const logLines = () =>
      output()
        .split('\n')
        .filter((l) => l.includes('inin-ratelimit-allowed'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    return { throttle, client, events, logLines, clock };
  }

  it('paces down to a lower allowed figure, and back up no further than the configured rate', async () => {
    const { throttle, client, events, logLines, clock } = setup();
    expect(throttle.callsPerSecond).toBeCloseTo(CONFIGURED);

    answerWith('180');
    await client.getUser('u1');
    expect(events.at(-1)?.rateLimitAllowed).toBe(180);
    expect(throttle.callsPerSecond).toBeCloseTo((180 * SHARE) / 60);

    // The calls now leave the slower interval apart: 2.4 a second, 425 ms (on the pacer's clock, a virtual one:
    // what the pacer decided, not how soon a busy test process looked; the pacer rounds a wait up to whole ms).
    const left: number[] = [];
    await Promise.all([0, 1, 2].map(() => throttle.wait().then(() => left.push(clock.now()))));
    const slower = paceIntervalMs((180 * SHARE) / 60);
    expect(slower).toBeGreaterThan(paceIntervalMs(CONFIGURED));
    for (let i = 1; i < left.length; i++) {
      expect(left[i]! - left[i - 1]!).toBeGreaterThanOrEqual(slower);
      expect(left[i]! - left[i - 1]!).toBeLessThan(slower + 1);
    }

    // The org's figure goes back up, above the configured one: the configured rate is the ceiling.
    answerWith('6000');
    await client.getUser('u1');
    expect(events.at(-1)?.rateLimitAllowed).toBe(6000);
    expect(throttle.callsPerSecond).toBeCloseTo(CONFIGURED);

    // Said once per change, with both figures; the same figure again says nothing.
    answerWith('6000');
    await client.getUser('u1');
    const lines = logLines();
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ allowedPerMinute: 180, configuredPerMinute: 300 });
    expect(lines[1]).toMatchObject({ allowedPerMinute: 6000, configuredPerMinute: 300 });
    await throttle.close();
    await client.close();
  });

  it.each(['abc', '', '0', '-5', '12.5', '180abc', '1e2'])(
    'ignores a malformed allowed figure (%j)',
    async (header) => {
      const { throttle, client, events, logLines } = setup();
      answerWith(header);
      await client.getUser('u1');
      expect(events.at(-1)?.status).toBe(200);
      expect(events.at(-1)?.rateLimitAllowed).toBeUndefined();
      expect(throttle.callsPerSecond).toBeCloseTo(CONFIGURED);
      expect(logLines()).toEqual([]);
      await throttle.close();
      await client.close();
    },
  );

  it('keeps the pace when an answer carries no allowed figure', async () => {
    const { throttle, client, events } = setup();
    answerWith('180');
    await client.getUser('u1');
    answerWith(undefined);
    await client.getUser('u1');
    expect(events.at(-1)?.rateLimitAllowed).toBeUndefined();
    expect(throttle.callsPerSecond).toBeCloseTo((180 * SHARE) / 60);
    await throttle.close();
    await client.close();
  });

  it('shows the last allowed figure as genesys_rate_limit_allowed_per_minute', async () => {
    const registry = new Registry();
    const metrics = workerMetrics(registry);
    const client = makeClient(mock.agent, { onCall: metrics.onGenesysCall });
    answerWith('180');
    await client.getUser('u1');
    answerWith('oops');
    await client.getUser('u1');
    const gauge = await registry.getSingleMetric('genesys_rate_limit_allowed_per_minute')?.get();
    expect(gauge?.values.map((v) => v.value)).toEqual([180]);
    await client.close();
  });
});
