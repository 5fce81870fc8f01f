/** How a Genesys error becomes a Temporal activity failure (retry or not, and after how long). */
import { ApplicationFailure } from '@temporalio/common';
import { toActivityFailure } from '../../src/activities';
import { GenesysApiError } from '../../src/genesys/types';

const rateLimited = (retryAfterSeconds: number | undefined) =>
  new GenesysApiError(
    'GET /api/v2/users/{id}: HTTP 429',
    'rate_limited',
    429,
    undefined,
    undefined,
    retryAfterSeconds,
  );

describe('toActivityFailure', () => {
  test('a 429 is retried after what Genesys asked for', () => {
    const f = toActivityFailure(rateLimited(7)) as ApplicationFailure;
    expect(f).toBeInstanceOf(ApplicationFailure);
    expect(f.nonRetryable).toBe(false);
    expect(f.nextRetryDelay).toBe('7s');
  });

  // The client caps what it parses, but this is the last stop before the server's retry timer: whoever made the
  // error, an absurd or non-finite delay must not reach it ('1e+20s' and 'Infinitys' are not durations).
  test.each<[number, number | undefined, string]>([
    [1e20, undefined, '300s'],
    [Infinity, undefined, '1s'],
    [NaN, undefined, '1s'],
    [3_600, 600, '600s'],
  ])('a 429 asking for %p s is retried after the ceiling (%p s) or the default', (seconds, max, delay) => {
    const f = toActivityFailure(rateLimited(seconds), max) as ApplicationFailure;
    expect(f.nextRetryDelay).toBe(delay);
  });
});
