/**
 * Workers look agents up in a copy of the agent-app registry (src/agent-app/locate.ts), not in the registry itself:
 * a copy is used up to MAX_AGE_MS after it was asked for when it finds the agent, and up to FRESH_MS when it does not.
 * So once a test has seen a change in the registry (an agent connected, or reconnected to another node), a copy
 * asked for before that change may still answer for up to MAX_AGE_MS. This waits that window out: after it, every
 * look-up reads a copy asked for after the change. A bound of the design, not a guess at the machine's speed (a
 * slower machine only makes older copies older).
 */
import { MAX_AGE_MS } from '../../src/agent-app/locate';

export const waitOutRegistryCopies = (): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, MAX_AGE_MS + 20));
