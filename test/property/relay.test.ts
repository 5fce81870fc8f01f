/**
 * Property: whatever the mix of duplicate deliveries and Temporal failures (calls that fail before
 * reaching the workflow, and calls whose answer is lost after it was applied), the inbox + relay
 * apply every distinct callback exactly once, in arrival order per alert, and leave nothing pending.
 */
import fc from 'fast-check';
import { propertyTimeLimit } from './budget';
import pino from 'pino';
import { CallbackInbox } from '../../src/callbacks/inbox';
import { CallbackRelay } from '../../src/callbacks/relay';
import { TemporalUnavailableError } from '../../src/alerts';
import { ALERT_ID_METADATA_KEY } from '../../src/shared/constants';
import type { AgentAction } from '../../src/shared/messages';

jest.setTimeout(60_000);

/** Temporal as the relay sees it: updates deduplicated by update id, and an unreliable network. */
class FlakyTemporal {
  readonly applied = new Map<string, string[]>();
  private readonly seen = new Set<string>();
  calls = 0;
  constructor(
    private readonly random: () => number,
    private readonly failBefore: number,
    private readonly loseAnswer: number,
  ) {}

  async applyAction(
    alertId: string,
    action: AgentAction,
    updateId: string,
  ): Promise<{ outcome: 'applied' | 'duplicate' }> {
    this.calls++;
    await new Promise((r) => setImmediate(r));
    if (this.random() < this.failBefore) throw new TemporalUnavailableError('connection refused');
    const duplicate = this.seen.has(updateId);
    if (!duplicate) {
      this.seen.add(updateId);
      this.applied.set(alertId, [...(this.applied.get(alertId) ?? []), action.actionId]);
    }
    if (this.random() < this.loseAnswer)
      throw new TemporalUnavailableError('deadline exceeded after the update was applied');
    return { outcome: duplicate ? 'duplicate' : 'applied' };
  }

  async getAlert(): Promise<null> {
    return null;
  }
}

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const delivery = fc.record({ alert: fc.integer({ min: 0, max: 3 }), action: fc.integer({ min: 0, max: 4 }) });

test('every distinct callback is applied exactly once, in arrival order per alert', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(delivery, { minLength: 1, maxLength: 40 }),
      fc.integer({ min: 0, max: 40 }),
      fc.double({ min: 0, max: 0.5, noNaN: true }),
      fc.double({ min: 0, max: 0.5, noNaN: true }),
      fc.integer(),
      async (deliveries, startAfter, failBefore, loseAnswer, seed) => {
        const inbox = new CallbackInbox(':memory:');
        const temporal = new FlakyTemporal(rng(seed), failBefore, loseAnswer);
        const relay = new CallbackRelay({
          inbox,
          alerts: temporal,
          logger: pino({ level: 'silent' }),
          initialBackoffMs: 1,
          maxBackoffMs: 4,
          pollIntervalMs: 10,
          concurrency: 3,
        });
        try {
          const expected = new Map<string, string[]>();
          const outcomes: string[] = [];
          for (const [i, d] of deliveries.entries()) {
            if (i === startAfter) relay.start(); // some arrive while the relay is already working
            const alertId = `alert-${d.alert}`;
            const actionId = `act-${d.action}`;
            const out = inbox.insert({
              notificationId: `notif-${d.alert}`,
              userId: 'agent',
              actionId,
              metadata: { [ALERT_ID_METADATA_KEY]: alertId },
              timestamp: '2026-11-29T10:00:00Z',
            });
            outcomes.push(out);
            if (out === 'new') expected.set(alertId, [...(expected.get(alertId) ?? []), actionId]);
          }
          relay.start();
          const deadline = Date.now() + 10_000;
          while (inbox.counts().received > 0 && Date.now() < deadline)
            await new Promise((r) => setTimeout(r, 5));
          await relay.idle();
          const unique = new Set(deliveries.map((d) => `${d.alert}:${d.action}`)).size;
          expect(outcomes.filter((o) => o === 'new')).toHaveLength(unique);
          expect(inbox.counts()).toEqual({ received: 0, applied: unique, dead_lettered: 0 });
          expect(Object.fromEntries(temporal.applied)).toEqual(Object.fromEntries(expected));
        } finally {
          await relay.close();
          inbox.close();
        }
      },
    ),
    { numRuns: 100, plugins: [propertyTimeLimit()] },
  );
});
