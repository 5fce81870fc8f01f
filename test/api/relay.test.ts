/**
 * The callback relay on its own: a real SQLite inbox, a fake AlertsClient (Temporal as the relay sees it:
 * updates deduplicated by update id), failures injected into it or into the inbox's writes. Where back-off
 * matters, time is faked and the test counts calls and reads the gaps between them.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { ServiceError } from '@temporalio/client';
import { CallbackInbox } from '../../src/callbacks/inbox';
import { CallbackRelay, type CallbackRelayOptions } from '../../src/callbacks/relay';
import { TemporalUnavailableError } from '../../src/alerts';
import type { AgentAction } from '../../src/shared/messages';
import { callbackFor, tempDir } from './helpers';

/** What the SDK throws for a gRPC status: a ServiceError caused by the call's error (code, details, metadata). */
function grpcFailure(code: number, details: string): ServiceError {
  const status = Object.assign(new Error(`${code} ${details}`), {
    code,
    details,
    metadata: { get: () => [] },
  });
  return new ServiceError('Failed to update Workflow', { cause: status });
}
const RESOURCE_EXHAUSTED = 8;

type Failure = Error | undefined;

/** Temporal as the relay sees it. `fail(n)` decides the fate of the n-th call (1-based) before it is applied. */
class FakeAlerts {
  readonly calls: Array<{ alertId: string; actionId: string; at: number }> = [];
  readonly applied = new Map<string, string[]>();
  private readonly seen = new Set<string>();
  /** Calls for these alerts wait here until released. */
  readonly held = new Map<string, Promise<void>>();
  constructor(private readonly fail: (n: number, alertId: string) => Failure = () => undefined) {}

  async applyAction(
    alertId: string,
    action: AgentAction,
    updateId: string,
  ): Promise<{ outcome: 'applied' | 'duplicate' }> {
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
let faked = false;
/** Fake every timer and the clock; promises and process.nextTick stay real. */
function fakeTime(): void {
  jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask'] });
  faked = true;
}
beforeEach(() => {
  inbox = new CallbackInbox(path.join(tempDir(), 'callbacks.sqlite'));
});
afterEach(async () => {
  try {
    let closed = false;
    const closing = relay?.close().then(() => (closed = true));
    // With faked time, the calls in flight only finish if time passes.
    for (let i = 0; faked && !closed && i < 1_000; i++) await jest.advanceTimersByTimeAsync(10);
    await closing;
  } finally {
    relay = undefined;
    faked = false;
    jest.useRealTimers();
    jest.restoreAllMocks();
    inbox.close();
  }
});

function startRelay(alerts: FakeAlerts, opts: Partial<CallbackRelayOptions> = {}): CallbackRelay {
  relay = new CallbackRelay({
    inbox,
    alerts,
    logger: pino({ level: 'silent' }),
    initialBackoffMs: 1,
    maxBackoffMs: 4,
    pollIntervalMs: 50,
    ...opts,
  });
  relay.start();
  return relay;
}

/** Let `ms` of faked time pass, running every timer and promise due in it. */
const advance = (ms: number) => jest.advanceTimersByTimeAsync(ms);
/** The relay's back-off before its n-th retry (1-based) can be no shorter than half the exponential step (jitter). */
const minBackoff = (n: number, initial: number, max: number) => Math.min(max, initial * 2 ** (n - 1)) / 2;
/**
 * Real time only: poll until `cond` holds, for up to `timeoutMs` of wall time (a count of polls would stretch or
 * shrink with the machine's load: each poll takes what the event loop gives it), then assert it.
 */
const waitFor = async (cond: () => boolean, timeoutMs = 30_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!cond() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
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
    await Promise.all(
      Array.from({ length: 3_000 }, (_, i) =>
        inbox.insertDurably(callbackFor(`bl-${i % 1_000}`, `a${Math.floor(i / 1_000)}`)),
      ),
    );
    const alerts = new FakeAlerts();
    startRelay(alerts, { concurrency: 8 });
    await waitFor(() => inbox.counts().received === 0);
    expect(inbox.counts()).toEqual({ received: 0, applied: 3_000, dead_lettered: 0 });
    expect(alerts.calls).toHaveLength(3_000);
    for (let a = 0; a < 1_000; a++) expect(alerts.applied.get(`alert-bl-${a}`)).toEqual(['a0', 'a1', 'a2']);
  });
});

describe('bookkeeping', () => {
  test('retries while Temporal is unavailable do not use up attempts', async () => {
    inbox.insert(callbackFor('outage'));
    // Ten calls during an outage, then one unexpected error, then it works: the unexpected error is the first
    // that counts, well below the limit of 3.
    const alerts = new FakeAlerts((n) =>
      n <= 10 ? new TemporalUnavailableError('connection refused') : n === 11 ? new Error('boom') : undefined,
    );
    startRelay(alerts, { maxUnexpectedAttempts: 3 });
    await waitFor(() => inbox.counts().received === 0);
    expect(inbox.getByKey('notif-outage:ack')).toMatchObject({ state: 'applied', attempts: 2 }); // boom, then applied
    expect(alerts.calls).toHaveLength(12);
  });

  test('replaying a dead letter resets its attempts', async () => {
    inbox.insert(callbackFor('replay'));
    let failures = 2;
    const alerts = new FakeAlerts(() => (failures-- > 0 ? new Error('boom') : undefined));
    startRelay(alerts, { maxUnexpectedAttempts: 2 });
    await waitFor(() => inbox.counts().dead_lettered === 1);
    const dead = inbox.getByKey('notif-replay:ack')!;
    expect(dead).toMatchObject({ state: 'dead_lettered', reason: 'relay_error', attempts: 2 });

    failures = 1; // after the replay, one more failure: within a fresh allowance of 2
    expect(inbox.replay(dead.id)).toBe('replayed');
    expect(inbox.get(dead.id)).toMatchObject({ state: 'received', attempts: 0 });
    await waitFor(() => inbox.counts().received === 0);
    expect(inbox.get(dead.id)).toMatchObject({ state: 'applied', attempts: 2 });
    expect(alerts.applied.get('alert-replay')).toEqual(['ack']);
  });

  test('gRPC RESOURCE_EXHAUSTED is retried with back-off, like an outage: never counted, never dead-lettered', async () => {
    fakeTime();
    inbox.insert(callbackFor('busy-server'));
    let exhausted = true;
    const alerts = new FakeAlerts(() =>
      exhausted ? grpcFailure(RESOURCE_EXHAUSTED, 'namespace rate limit exceeded') : undefined,
    );
    startRelay(alerts, {
      maxUnexpectedAttempts: 2,
      initialBackoffMs: 100,
      maxBackoffMs: 1_000,
      pollIntervalMs: 60_000,
    });
    await advance(3_000);
    expect(inbox.getByKey('notif-busy-server:ack')).toMatchObject({ state: 'received', attempts: 0 });
    const gaps = alerts.calls.slice(1).map((c, i) => c.at - alerts.calls[i]!.at);
    expect(gaps.length).toBeGreaterThanOrEqual(3);
    gaps.forEach((g, i) => expect(g).toBeGreaterThanOrEqual(minBackoff(i + 1, 100, 1_000)));
    exhausted = false;
    await advance(2_000);
    expect(inbox.getByKey('notif-busy-server:ack')).toMatchObject({ state: 'applied', attempts: 1 });
    expect(alerts.applied.get('alert-busy-server')).toEqual(['ack']);
  });

  test('a full disk backs off instead of restarting the lane in a hot loop, and the callback is applied once', async () => {
    fakeTime();
    inbox.insert(callbackFor('disk'));
    // Every write of the relay's bookkeeping fails, as on a full disk.
    let full = true;
    const diskFull = () => {
      if (full) throw new Database.SqliteError('database or disk is full', 'SQLITE_FULL');
    };
    for (const m of ['markApplied', 'markDeadLettered', 'recordAttempt'] as const) {
      const real = inbox[m].bind(inbox) as (...a: unknown[]) => unknown;
      jest.spyOn(inbox, m).mockImplementation(((...args: unknown[]) => {
        diskFull();
        return real(...args);
      }) as never);
    }
    const alerts = new FakeAlerts();
    startRelay(alerts, {
      maxUnexpectedAttempts: 2,
      initialBackoffMs: 100,
      maxBackoffMs: 1_000,
      pollIntervalMs: 60_000,
    });
    await advance(3_000);
    // Temporal took the action each time (its update id deduplicates); the inbox could not record it.
    const gaps = alerts.calls.slice(1).map((c, i) => c.at - alerts.calls[i]!.at);
    expect(alerts.calls.length).toBeGreaterThanOrEqual(3); // it does keep trying, spaced out
    expect(alerts.calls.length).toBeLessThanOrEqual(10);
    gaps.forEach((g, i) => expect(g).toBeGreaterThanOrEqual(minBackoff(i + 1, 100, 1_000)));
    expect(inbox.getByKey('notif-disk:ack')).toMatchObject({ state: 'received', attempts: 0 });
    full = false;
    await advance(2_000);
    expect(inbox.getByKey('notif-disk:ack')).toMatchObject({ state: 'applied', attempts: 1 });
    expect(alerts.applied.get('alert-disk')).toEqual(['ack']);
  });

  test('a busy database when marking a callback applied neither dead-letters it nor uses up attempts', async () => {
    inbox.insert(callbackFor('sqlite-busy'));
    const real = inbox.markApplied.bind(inbox);
    let failures = 3;
    jest.spyOn(inbox, 'markApplied').mockImplementation((id, outcome) => {
      if (failures-- > 0) throw new Database.SqliteError('database is locked', 'SQLITE_BUSY');
      return real(id, outcome);
    });
    const alerts = new FakeAlerts();
    startRelay(alerts, { maxUnexpectedAttempts: 1 });
    await waitFor(() => inbox.counts().received === 0);
    expect(inbox.getByKey('notif-sqlite-busy:ack')).toMatchObject({ state: 'applied', attempts: 1 });
    expect(alerts.calls).toHaveLength(4); // applied once, then recognised as a duplicate by its update id
    expect(alerts.applied.get('alert-sqlite-busy')).toEqual(['ack']);
  });
});
