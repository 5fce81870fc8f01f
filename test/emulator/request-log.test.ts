/**
 * The request log's rate query. Entries are logged when the answer is sent but stamped with the time
 * the request arrived, so a slow request (a body still streaming, a latency fault) is logged after a
 * faster one that arrived later: the log is in answer order, not arrival order. The CI run that
 * failed on `GET /__emulator/requests/rate` (a 500, "reading 'count'") was exactly that.
 */
import { RequestLog } from '../../src/emulator/request-log';
import type { RequestLogEntry } from '../../src/emulator/types';

function entry(at: number, path = '/api/v2/desktop/notifications'): Omit<RequestLogEntry, 'seq'> {
  return {
    at,
    method: 'POST',
    path,
    route: `POST ${path}`,
    status: 201,
    clientId: 'c',
    latencyMs: 1,
    correlationId: `corr-${at}`,
    fault: null,
  };
}

describe('RequestLog.rate', () => {
  it('buckets by arrival time when entries were logged out of arrival order', () => {
    const log = new RequestLog(100);
    log.log(entry(10_500)); // fast request, answered first
    log.log(entry(10_000)); // slower request that arrived earlier
    log.log(entry(11_200));
    const rate = log.rate({ windowMs: 1000 });
    expect(rate.total).toBe(3);
    expect(rate.buckets).toEqual([
      { start: 10_000, count: 2 },
      { start: 11_000, count: 1 },
    ]);
    expect(rate.max).toBe(2);
  });

  it('an empty match has no buckets', () => {
    const log = new RequestLog(10);
    log.log(entry(1000, '/api/v2/users/x'));
    expect(log.rate({ pathPrefix: '/api/v2/desktop' })).toEqual({
      windowMs: 1000,
      buckets: [],
      max: 0,
      total: 0,
    });
  });

  it('rejects a window that is not positive', () => {
    expect(() => new RequestLog(10).rate({ windowMs: 0 })).toThrow(/windowMs/);
  });
});

describe('RequestLog.rate at capacity', () => {
  it('handles a full default-size log', () => {
    const log = new RequestLog(100_000);
    for (let i = 0; i < 100_000; i++) log.log(entry(1_000_000 + (i % 2 === 0 ? i : i - 2)));
    const rate = log.rate({ windowMs: 1000 });
    expect(rate.total).toBe(100_000);
    expect(rate.buckets.reduce((n, b) => n + b.count, 0)).toBe(100_000);
    expect(rate.buckets[0]!.start).toBe(1_000_000 - 1);
  });
});

describe('RequestLog.epoch', () => {
  it('drops a call that arrived before a reset', () => {
    const log = new RequestLog(10);
    const before = log.epoch;
    log.reset();
    log.log(entry(1000), before);
    log.log(entry(2000), log.epoch);
    expect(log.list().map((e) => [e.seq, e.at])).toEqual([[1, 2000]]);
    expect(log.stats().total).toBe(1);
  });
});
