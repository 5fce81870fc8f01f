/** The inbox gauges read the store at scrape time: the relay's backlog, its oldest callback's age, dead letters. */
import { Registry } from 'prom-client';
import { ingressMetrics } from '../../src/api/metrics';
import { CallbackInbox } from '../../src/callbacks/inbox';
import { callbackFor } from './helpers';

const sample = (text: string, name: string): number => {
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  if (!m) throw new Error(`${name} not in the scrape`);
  return Number(m[1]);
};

describe('inbox gauges', () => {
  let inbox: CallbackInbox;
  beforeEach(() => {
    inbox = new CallbackInbox(':memory:');
  });
  afterEach(() => inbox.close());

  test('pending count and oldest age follow the inbox; 0 when nothing waits', async () => {
    const registry = new Registry();
    ingressMetrics(registry, inbox);
    let text = await registry.metrics();
    expect(sample(text, 'desktop_callback_inbox_pending')).toBe(0);
    expect(sample(text, 'desktop_callback_inbox_oldest_pending_seconds')).toBe(0);

    inbox.insert(callbackFor('g1'));
    inbox.insert(callbackFor('g2'));
    await new Promise((r) => setTimeout(r, 50));
    text = await registry.metrics();
    expect(sample(text, 'desktop_callback_inbox_pending')).toBe(2);
    expect(sample(text, 'desktop_callback_inbox_oldest_pending_seconds')).toBeGreaterThanOrEqual(0.04);
    expect(sample(text, 'desktop_callback_dead_letters')).toBe(0);

    inbox.markDeadLettered(inbox.nextPendingFor('alert-g1')!.id, 'unknown_alert');
    inbox.markApplied(inbox.nextPendingFor('alert-g2')!.id, 'applied');
    text = await registry.metrics();
    expect(sample(text, 'desktop_callback_inbox_pending')).toBe(0);
    expect(sample(text, 'desktop_callback_inbox_oldest_pending_seconds')).toBe(0);
    expect(sample(text, 'desktop_callback_dead_letters')).toBe(1);
  });

  test('a closed store keeps the last values rather than failing the scrape', async () => {
    const registry = new Registry();
    ingressMetrics(registry, inbox);
    inbox.insert(callbackFor('g3'));
    await registry.metrics();
    inbox.close();
    const text = await registry.metrics();
    expect(sample(text, 'desktop_callback_inbox_pending')).toBe(1);
    inbox = new CallbackInbox(':memory:'); // for afterEach
  });
});
