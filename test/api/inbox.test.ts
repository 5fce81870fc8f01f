/** The SQLite callback inbox: dedup, states, durability across reopen, dead letters and replay. */
import path from 'node:path';
import Database from 'better-sqlite3';
import { CallbackInbox } from '../../src/callbacks/inbox';
import { ALERT_ID_METADATA_KEY } from '../../src/shared/constants';
import { callbackFor, tempDir } from './helpers';

describe('CallbackInbox', () => {
  let file: string;
  let inbox: CallbackInbox;
  beforeEach(() => {
    file = path.join(tempDir(), 'nested', 'callbacks.sqlite');
    inbox = new CallbackInbox(file);
  });
  afterEach(() => inbox.close());

  test('keyed by notificationId:actionId; routed by the alert id in metadata', () => {
    const cb = callbackFor('a1');
    expect(inbox.insert(cb, { deliveryId: 'msg_1' })).toBe('new');
    expect(inbox.insert({ ...cb, timestamp: new Date().toISOString() }, { deliveryId: 'msg_2' })).toBe(
      'duplicate',
    );
    expect(inbox.insert(callbackFor('a1', 'other'))).toBe('new');
    const pending = inbox.pending();
    expect(pending.map((r) => r.key)).toEqual(['notif-a1:ack', 'notif-a1:other']);
    expect(pending[0]).toMatchObject({ alertId: 'alert-a1', state: 'received', deliveryId: 'msg_1' });
    expect(inbox.nextPendingFor('alert-a1')?.key).toBe('notif-a1:ack');
  });

  test('the relay looks for work by alert: each alert once, oldest waiting first, unroutable ones as null', () => {
    inbox.insert(callbackFor('r1'));
    inbox.insert(callbackFor('r2'));
    inbox.insert(callbackFor('r1', 'other'));
    const { [ALERT_ID_METADATA_KEY]: _dropped, ...noRoute } = callbackFor('r3').metadata;
    inbox.insert({ ...callbackFor('r3'), metadata: noRoute });
    expect(inbox.pendingRoutes(10)).toEqual(['alert-r1', 'alert-r2', null]);
    expect(inbox.pendingRoutes(2)).toEqual(['alert-r1', 'alert-r2']);
    // The relay leaves out the alerts its lanes already serve, and a look reads a bounded number of rows.
    expect(inbox.pendingRoutes(10, new Set(['alert-r1']))).toEqual(['alert-r2', null]);
    expect(inbox.pendingRoutes(10, new Set(), 3)).toEqual(['alert-r1', 'alert-r2']);
    expect(inbox.pendingUnroutable().map((r) => r.key)).toEqual(['notif-r3:ack']);
    // Applied callbacks leave the list; an alert with one still waiting keeps its place.
    inbox.markApplied(inbox.nextPendingFor('alert-r1')!.id, 'applied');
    inbox.markApplied(inbox.nextPendingFor('alert-r2')!.id, 'applied');
    expect(inbox.pendingRoutes(10)).toEqual(['alert-r1', null]);
  });

  test("the relay's queries read through an index: no full scan, no sort, however large the inbox", async () => {
    // The relay asks for work after every applied callback. A query that scans or sorts every received row
    // costs O(backlog) per callback: 130 ms at 100k rows, hours of blocked event loop to drain a long outage.
    // Fill a backlog (one group commit), mark some applied, and let ANALYZE give the planner real statistics.
    await Promise.all(
      Array.from({ length: 20_000 }, (_, i) => inbox.insertDurably(callbackFor(`big-${i % 5_000}`, `a${i}`))),
    );
    const other = new Database(file);
    try {
      other.exec(`UPDATE callbacks SET state = 'applied' WHERE id % 4 = 0; ANALYZE;`);
      const stmts = (inbox as unknown as { stmts: Record<string, Database.Statement> }).stmts;
      const relayQueries = ['routes', 'unroutable', 'nextFor', 'applied', 'dead', 'attempt'];
      for (const name of relayQueries) {
        const sql = stmts[name]!.source.replace(/@\w+/g, 'NULL').replace(/\?/g, '1');
        const plan = (other.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as Array<{ detail: string }>).map(
          (p) => p.detail,
        );
        expect({ name, plan }).toEqual({
          name,
          plan: expect.not.arrayContaining([expect.stringMatching(/^SCAN |TEMP B-TREE/)]),
        });
      }
    } finally {
      other.close();
    }
  });

  test('group commit: callbacks of one turn are committed together, a repeat inside the batch is a duplicate', async () => {
    let woken = 0;
    inbox.onReceived(() => woken++);
    const a = callbackFor('g1');
    const outcomes = await Promise.all([
      inbox.insertDurably(a, { deliveryId: 'msg_a' }),
      inbox.insertDurably(callbackFor('g2')),
      inbox.insertDurably({ ...a, timestamp: new Date().toISOString() }, { deliveryId: 'msg_a_retry' }),
    ]);
    expect(outcomes).toEqual(['new', 'new', 'duplicate']);
    expect(woken).toBe(1); // one commit, one wake-up of the relay
    expect(inbox.pending().map((r) => [r.key, r.deliveryId])).toEqual([
      ['notif-g1:ack', 'msg_a'],
      ['notif-g2:ack', null],
    ]);
    expect(await inbox.insertDurably(callbackFor('g2'))).toBe('duplicate');
  });

  test('closing commits (and answers) what is waiting for the next group commit', async () => {
    const waiting = inbox.insertDurably(callbackFor('g3'));
    inbox.close();
    await expect(waiting).resolves.toBe('new');
    inbox = new CallbackInbox(file);
    expect(inbox.counts().received).toBe(1);
  });

  test('received -> applied exactly once; survives reopening the file', () => {
    inbox.insert(callbackFor('a2'));
    const [row] = inbox.pending();
    expect(inbox.markApplied(row!.id, 'applied')).toBe(true);
    expect(inbox.markApplied(row!.id, 'applied')).toBe(false);
    expect(inbox.markDeadLettered(row!.id, 'alert_closed')).toBe(false);
    inbox.insert(callbackFor('a3'));
    inbox.close();
    inbox = new CallbackInbox(file);
    expect(inbox.counts()).toEqual({ received: 1, applied: 1, dead_lettered: 0 });
    expect(inbox.insert(callbackFor('a2'))).toBe('duplicate');
  });

  test("the backlog for the metrics: how many wait for the relay and since when (the oldest's receipt)", async () => {
    expect(inbox.pendingCount()).toBe(0);
    expect(inbox.oldestPendingReceivedAt()).toBeUndefined();
    const before = Date.now();
    inbox.insert(callbackFor('b1'));
    // 30 ms apart, checked at 20: timers and Date.now() round differently, so a 20 ms wait can read as 19.
    await new Promise((r) => setTimeout(r, 30));
    inbox.insert(callbackFor('b2'));
    inbox.insert(callbackFor('b3'));
    expect(inbox.pendingCount()).toBe(3);
    const first = inbox.oldestPendingReceivedAt()!.getTime();
    expect(first).toBeGreaterThanOrEqual(before);
    expect(first).toBeLessThanOrEqual(Date.now() - 20);
    // Applied and dead-lettered rows are no longer waiting; the next oldest is.
    inbox.markApplied(inbox.nextPendingFor('alert-b1')!.id, 'applied');
    inbox.markDeadLettered(inbox.nextPendingFor('alert-b2')!.id, 'unknown_alert');
    expect(inbox.pendingCount()).toBe(1);
    expect(inbox.oldestPendingReceivedAt()!.getTime()).toBeGreaterThan(first);
  });

  test('dead letters: listed with their reason, replayed one by one or all', () => {
    inbox.insert(callbackFor('a4'));
    const [row] = inbox.pending();
    inbox.markDeadLettered(row!.id, 'unknown_alert', 'no such workflow');
    const bad = inbox.deadLetterRaw('malformed_json', Buffer.from('{"nope'), 'Unexpected end');
    const invalid = inbox.deadLetterRaw(
      'invalid_schema',
      JSON.stringify({ notificationId: 'x' }),
      'missing fields',
    );
    expect(inbox.deadLetterCount()).toBe(3);
    expect(inbox.listDeadLetters().map((d) => d.reason)).toEqual([
      'unknown_alert',
      'malformed_json',
      'invalid_schema',
    ]);
    expect(inbox.listDeadLetters({ afterId: row!.id, limit: 1 }).map((d) => d.id)).toEqual([bad]);
    expect(inbox.get(bad)?.rawBody).toBe('{"nope');

    expect(inbox.replay(row!.id)).toBe('replayed');
    expect(inbox.replay(row!.id)).toBe('not_dead_lettered');
    expect(inbox.replay(bad)).toBe('not_replayable');
    expect(inbox.replay(invalid)).toBe('not_replayable');
    expect(inbox.replay(99_999)).toBe('not_found');
    expect(inbox.pending().map((r) => r.id)).toEqual([row!.id]);
    expect(inbox.replayAll()).toEqual({ replayed: 0, skipped: 2 });
  });

  test('a signed body that failed the schema can be replayed once it parses', () => {
    const cb = callbackFor('a5');
    const id = inbox.deadLetterRaw('invalid_schema', JSON.stringify(cb), 'schema was stricter then');
    expect(inbox.replay(id)).toBe('replayed');
    expect(inbox.get(id)).toMatchObject({
      state: 'received',
      key: 'notif-a5:ack',
      alertId: 'alert-a5',
      rawBody: null,
    });
    expect(inbox.insert(cb)).toBe('duplicate');
  });

  test('wakes its subscribers on new rows only', () => {
    const seen: number[] = [];
    inbox.onReceived(() => seen.push(1));
    inbox.insert(callbackFor('a6'));
    inbox.insert(callbackFor('a6'));
    inbox.deadLetterRaw('malformed_json', 'x', 'bad');
    expect(seen).toHaveLength(1);
  });
});
