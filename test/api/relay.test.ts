/**
 * The callback relay on its own: a real SQLite inbox, a fake AlertsClient (Temporal as the relay sees it:
 * updates deduplicated by update id).
 */
import path from 'node:path';
import pino from 'pino';
import { CallbackInbox } from '../../src/callbacks/inbox';
import { CallbackRelay, type CallbackRelayOptions } from '../../src/callbacks/relay';
import type { AgentAction } from '../../src/shared/messages';
import { callbackFor, tempDir } from './helpers';

type Failure = Error | undefined;

/** Temporal as the relay sees it. `fail(n)` decides the fate of the n-th call (1-based) before it is applied. */
class FakeAlerts {
  readonly calls: Array<{ alertId: string; actionId: string; at: number }> = [];
  readonly applied = new Map<string, string[]>();
  private readonly seen = new Set<string>();
  /** Calls for these alerts wait here until released. */
  readonly held = new Map<string, Promise<void>>();
  constructor(private readonly fail: (n: number, alertId: string) => Failure = () => undefined) {}

  async applyAction(alertId: string, action: AgentAction, updateId: string): Promise<{ outcome: 'applied' | 'duplicate' }> {
    this.calls.push({ alertId, actionId: action.actionId, at: Date.now() });
    const n = this.calls.length;
    // A network round trip: the relay never gets an answer without the event loop turning.
    await new Promise((r) => setTimeout(r, 1));
    await this.held.get(alertId);
    const failure = this.fail(n, alertId);
    if (failure) throw failure;
    const duplicate = this.seen.has(updateId);
    if (!duplicate) {
      this.seen.add(updateId);
      this.applied.set(alertId, [...(this.applied.get(alertId) ?? []), action.actionId]);
    }
    return { outcome: duplicate ? 'duplicate' : 'applied' };
  }

  async getAlert(): Promise<null> {
    return null;
  }
}

let inbox: CallbackInbox;
let relay: CallbackRelay | undefined;
beforeEach(() => {
  inbox = new CallbackInbox(path.join(tempDir(), 'callbacks.sqlite'));
});
afterEach(async () => {
  await relay?.close();
  relay = undefined;
  inbox.close();
});

function startRelay(alerts: FakeAlerts, opts: Partial<CallbackRelayOptions> = {}): CallbackRelay {
  relay = new CallbackRelay({ inbox, alerts, logger: pino({ level: 'silent' }), initialBackoffMs: 1, maxBackoffMs: 4, pollIntervalMs: 50, ...opts });
  relay.start();
  return relay;
}

const waitFor = async (cond: () => boolean) => {
  for (let i = 0; i < 2_000 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(cond()).toBe(true);
};

describe('finding work', () => {
  test('an alert with a long queue at the head of the inbox does not keep the other lanes idle', async () => {
    // 50 callbacks of one alert come first; the others' come after them. The busy alert's rows are passed over.
    for (let i = 0; i < 50; i++) inbox.insert(callbackFor('busy', `a${i}`));
    for (const k of ['b', 'c', 'd', 'e']) inbox.insert(callbackFor(k));
    const alerts = new FakeAlerts();
    let release!: () => void;
    alerts.held.set('alert-busy', new Promise<void>((r) => (release = r)));
    startRelay(alerts, { concurrency: 3 });
    await waitFor(() => ['alert-b', 'alert-c', 'alert-d', 'alert-e'].every((a) => alerts.applied.has(a)));
    expect(alerts.applied.has('alert-busy')).toBe(false);
    release();
    alerts.held.clear();
    await waitFor(() => inbox.counts().received === 0);
    expect(alerts.applied.get('alert-busy')).toEqual(Array.from({ length: 50 }, (_, i) => `a${i}`));
  });

  test('a large backlog drains completely, once each, in arrival order per alert', async () => {
    // One group commit: 3,000 callbacks for 1,000 alerts, interleaved.
    await Promise.all(Array.from({ length: 3_000 }, (_, i) => inbox.insertDurably(callbackFor(`bl-${i % 1_000}`, `a${Math.floor(i / 1_000)}`))));
    const alerts = new FakeAlerts();
    startRelay(alerts, { concurrency: 8 });
    await waitFor(() => inbox.counts().received === 0);
    expect(inbox.counts()).toEqual({ received: 0, applied: 3_000, dead_lettered: 0 });
    expect(alerts.calls).toHaveLength(3_000);
    for (let a = 0; a < 1_000; a++) expect(alerts.applied.get(`alert-bl-${a}`)).toEqual(['a0', 'a1', 'a2']);
  });
});
