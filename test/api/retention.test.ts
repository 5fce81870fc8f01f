/** Callback inbox retention: applied callbacks go after CALLBACK_RETENTION_DAYS; nothing else ever does. */
import path from 'node:path';
import pino from 'pino';
import { CallbackInbox } from '../../src/callbacks/inbox';
import { InboxRetention } from '../../src/callbacks/retention';
import { loadConfig } from '../../src/config';
import { callbackFor, tempDir } from './helpers';

const DAY = 24 * 60 * 60 * 1000;
let inbox: CallbackInbox;
beforeEach(() => {
  inbox = new CallbackInbox(path.join(tempDir(), 'callbacks.sqlite'));
});
afterEach(() => inbox.close());

/** n callbacks applied now, one left received, one dead-lettered. */
function fill(n: number): void {
  for (let i = 0; i < n; i++) {
    inbox.insert(callbackFor(`applied-${i}`));
    inbox.markApplied(inbox.nextPendingFor(`alert-applied-${i}`)!.id, 'applied');
  }
  inbox.insert(callbackFor('dead'));
  inbox.markDeadLettered(inbox.nextPendingFor('alert-dead')!.id, 'unknown_alert', 'no such workflow');
  inbox.insert(callbackFor('waiting'));
}

test('pruneApplied deletes applied rows older than the cut-off, a batch at a time, and nothing else', () => {
  fill(5);
  expect(inbox.pruneApplied(new Date(Date.now() - DAY))).toBe(0); // all younger than a day
  expect(inbox.pruneApplied(new Date(Date.now() + 1000), 2)).toBe(2);
  expect(inbox.pruneApplied(new Date(Date.now() + 1000))).toBe(3);
  expect(inbox.counts()).toEqual({ received: 1, applied: 0, dead_lettered: 1 });
  // The platform delivering a pruned click again: stored again; the relay recognises it (callbacks.test.ts).
  expect(inbox.insert(callbackFor('applied-0'))).toBe('new');
});

test('a retention pass deletes in batches until nothing old is left, and reports what it deleted', async () => {
  fill(7);
  const pruned: number[] = [];
  const retention = new InboxRetention({
    inbox,
    logger: pino({ level: 'silent' }),
    days: 7,
    batchSize: 3,
    now: () => Date.now() + 8 * DAY, // eight days on: everything applied today is past seven days
    onPruned: (n) => pruned.push(n),
  });
  expect(await retention.runOnce()).toBe(7);
  expect(pruned).toEqual([7]);
  expect(inbox.counts()).toEqual({ received: 1, applied: 0, dead_lettered: 1 });
  expect(await retention.runOnce()).toBe(0);
  expect(pruned).toEqual([7]); // nothing to report the second time
  await retention.close();
});

test('days 0 keeps everything; younger rows are kept', async () => {
  fill(3);
  const keepAll = new InboxRetention({
    inbox,
    logger: pino({ level: 'silent' }),
    days: 0,
    now: () => Date.now() + 100 * DAY,
  });
  expect(await keepAll.start().runOnce()).toBe(0);
  const week = new InboxRetention({
    inbox,
    logger: pino({ level: 'silent' }),
    days: 7,
    now: () => Date.now() + 6 * DAY,
  });
  expect(await week.runOnce()).toBe(0);
  expect(inbox.counts().applied).toBe(3);
  await keepAll.close();
  await week.close();
});

test('CALLBACK_RETENTION_DAYS: 7 by default, 0 allowed, negative refused by name', () => {
  expect(loadConfig({}).callbackRetentionDays).toBe(7);
  expect(loadConfig({ CALLBACK_RETENTION_DAYS: '0' }).callbackRetentionDays).toBe(0);
  expect(() => loadConfig({ CALLBACK_RETENTION_DAYS: '-1' })).toThrow(/CALLBACK_RETENTION_DAYS/);
});
