/**
 * Replaying a property failure. Every fc.assert prints `{ seed, path }` when it fails; run the same test
 * again with FC_SEED=<seed> (and FC_PATH=<path> to go straight to the shrunk counterexample) to get the
 * same inputs. Without them each run draws a fresh seed, so CI keeps exploring new inputs.
 */
import fc from 'fast-check';

const seed = process.env.FC_SEED;
if (seed !== undefined && seed !== '') {
  const parsed = Number(seed);
  if (!Number.isInteger(parsed)) throw new Error(`FC_SEED must be an integer, got ${JSON.stringify(seed)}`);
  fc.configureGlobal({
    ...fc.readConfigureGlobal(),
    seed: parsed,
    ...(process.env.FC_PATH ? { path: process.env.FC_PATH } : {}),
  });
}
