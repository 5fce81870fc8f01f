/**
 * The per-process pacing of Genesys calls (GenesysThrottle.wait): calls leave at most callsPerSecond, and a
 * more urgent call overtakes the ones already waiting (a high alert must not queue behind a second's worth
 * of normal ones this worker holds). Pure clock-and-order unit test: the pause logic that talks to the
 * Temporal server is exercised against the real dev server in throttle.test.ts, and is not used here.
 */
import type { TaskQueueConfigService } from '../../src/activities/queue-pause';
import { GenesysThrottle } from '../../src/activities/throttle';

const unused: TaskQueueConfigService = {
  describeTaskQueue: () => Promise.reject(new Error('not used by pacing')),
  updateTaskQueueConfig: () => Promise.reject(new Error('not used by pacing')),
};

test('calls leave one interval apart, most urgent first, in arrival order within a priority key', async () => {
  const throttle = new GenesysThrottle({
    service: unused,
    namespace: 'default',
    taskQueue: 'q',
    callsPerSecond: 20,
    onWaited: (ms, key) => waited.push({ ms, key }),
  });
  const waited: { ms: number; key: number }[] = [];
  const left: { name: string; at: number }[] = [];
  const call = (name: string, key?: number) =>
    throttle.wait(key).then(() => left.push({ name, at: performance.now() }));
  const all = [call('n1', 3), call('n2', 3), call('n3'), call('n4', 3), call('low', 4)];
  await Promise.resolve();
  all.push(call('high', 1));
  await Promise.all(all);
  await throttle.close();

  // n1 left at once (nothing before it); the high call arrived last but leaves next; the default key is 3.
  expect(left.map((l) => l.name)).toEqual(['n1', 'high', 'n2', 'n3', 'n4', 'low']);
  const gaps = left.slice(1).map((l, i) => l.at - left[i]!.at);
  // 20/s with the 20 ms jitter allowance: 20 calls span 1,020 ms, so never closer than 51 ms (timers round
  // up; allow 1 ms for performance.now against the timer clock).
  for (const g of gaps) expect(g).toBeGreaterThanOrEqual(50);

  // Each call reported its wait (for genesys_gate_wait_seconds) with its key, in the order they left: the
  // last of six at 20/s waited at least four intervals.
  expect(waited.map((w) => w.key)).toEqual([3, 1, 3, 3, 3, 4]);
  expect(waited.at(-1)!.ms).toBeGreaterThanOrEqual(4 * 50);
  for (let i = 1; i < waited.length; i++) expect(waited[i]!.ms).toBeGreaterThan(0);
});
