/**
 * The per-process pacing of Genesys calls (GenesysThrottle.wait): calls leave at most callsPerSecond, and a
 * more urgent call overtakes the ones already waiting (a high alert must not queue behind a second's worth
 * of normal ones this worker holds). Pure clock-and-order unit test: the pause logic that talks to the
 * Temporal server is exercised against the real dev server in throttle.test.ts, and is not used here.
 */
import type { TaskQueueConfigService } from '../../src/activities/queue-pause';
import { paceIntervalMs } from '../../src/activities/pacer';
import { GenesysThrottle } from '../../src/activities/throttle';
import { VirtualClock } from '../helpers/virtual-clock';

const unused: TaskQueueConfigService = {
  describeTaskQueue: () => Promise.reject(new Error('not used by pacing')),
  updateTaskQueueConfig: () => Promise.reject(new Error('not used by pacing')),
};

test('calls leave one interval apart, most urgent first, in arrival order within a priority key', async () => {
  // The pacer's clock is virtual: the test checks the spacing the pacer decided, not how soon a busy test
  // process got round to looking (real timers: rate-cap.test.ts, against the real stack).
  const clock = new VirtualClock();
  const throttle = new GenesysThrottle({
    clock,
    service: unused,
    namespace: 'default',
    taskQueue: 'q',
    callsPerSecond: 20,
    onWaited: (ms, key) => waited.push({ ms, key }),
  });
  const waited: { ms: number; key: number }[] = [];
  const left: { name: string; at: number }[] = [];
  const call = (name: string, key?: number) =>
    throttle.wait(key).then(() => left.push({ name, at: clock.now() }));
  const all = [call('n1', 3), call('n2', 3), call('n3'), call('n4', 3), call('low', 4)];
  await Promise.resolve();
  all.push(call('high', 1));
  await Promise.all(all);
  await throttle.close();

  // n1 left at once (nothing before it); the high call arrived last but leaves next; the default key is 3.
  expect(left.map((l) => l.name)).toEqual(['n1', 'high', 'n2', 'n3', 'n4', 'low']);
  const gaps = left.slice(1).map((l, i) => l.at - left[i]!.at);
  // 20/s with the 20 ms jitter allowance: 20 calls span 1,020 ms, so 51 ms apart (a wait is rounded up to whole ms).
  const interval = paceIntervalMs(20);
  expect(interval).toBe(51);
  for (const g of gaps) {
    expect(g).toBeGreaterThanOrEqual(interval);
    expect(g).toBeLessThan(interval + 1);
  }

  // Each call reported its wait (for genesys_gate_wait_seconds) with its key, in the order they left: the
  // first passed at once, the last of six at 20/s waited five intervals.
  expect(waited.map((w) => w.key)).toEqual([3, 1, 3, 3, 3, 4]);
  expect(waited[0]!.ms).toBe(0);
  expect(waited.at(-1)!.ms).toBeGreaterThanOrEqual(5 * interval);
  expect(waited.at(-1)!.ms).toBeLessThan(5 * interval + 5);
  for (let i = 1; i < waited.length; i++) expect(waited[i]!.ms).toBeGreaterThan(0);
});
