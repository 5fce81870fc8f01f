/**
 * What every property in this folder passes to fc.assert: stop after 40 s, inside jest's 60 s for these files.
 * A property that passes takes a few seconds; the limit is for one that fails. Shrinking a failure over HTTP can
 * run for minutes, and when jest's time-out ends the test first, fast-check never prints the seed, the path or
 * the counterexample, so the failure cannot be replayed. Interrupted, it reports the smallest counterexample
 * found so far. A run cut short before any failure passes on what it ran (fast-check's default), so a slow
 * machine costs coverage, not a red build; the counts each test asserts afterwards still hold it to its work.
 */
import fc from 'fast-check';

export const propertyTimeLimit = () => fc.interruptAfterTimeLimit(40_000);
