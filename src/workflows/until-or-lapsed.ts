import { condition, sleep } from '@temporalio/workflow';

/**
 * `condition(fn, ms)` without the timer's cancel: it resolves true once `fn` holds, false once `ms` passed. When
 * `fn` comes first the timer is left to lapse instead of being cancelled: the run usually closes right after, and a
 * cancel would be one more command and history event for nothing. If the run lives on (a long downstream retry),
 * the timer fires later and is ignored.
 */
export async function untilOrLapsed(fn: () => boolean, ms: number): Promise<boolean> {
  let lapsed = false;
  // A cancelled run (Temporal's own cancellation) rejects the sleep: nothing to do then, the run is ending anyway.
  sleep(ms).then(
    () => (lapsed = true),
    () => undefined,
  );
  await condition(() => fn() || lapsed);
  return fn();
}
