/**
 * Sending many alerts (--csv, a JSON array): a few requests in flight, an outcome per row, progress on
 * stderr.
 */
import { ApiError, ApiUnreachableError, fieldErrors, postAlert, type ApiClient } from './api';
import type { AlertBody } from './alert-body';
import { Progress, type Counts, type Out } from './progress';

export interface BulkItem {
  /** Where it came from, for the report: `line 4` or `item 3`. */
  where: string;
  /** The request body, or why no request could be made from the row. */
  body?: AlertBody;
  error?: string[];
}

type RowOutcome =
  | { where: string; status: 'accepted' | 'duplicate'; alertId: string }
  | { where: string; status: 'rejected'; errors: string[]; idempotencyKey?: string }
  /** Not answered: the API was unreachable or kept failing; safe to run again (same keys). */
  | { where: string; status: 'failed'; errors: string[]; idempotencyKey?: string };

export interface BulkResult extends Omit<Counts, 'done'> {
  total: number;
  rows: RowOutcome[];
}

/**
 * Send every item with at most `concurrency` requests in flight. Rows the API refuses are
 * reported with its reasons; once the API cannot be reached the rest are not attempted.
 */
export async function sendMany(
  api: ApiClient,
  items: BulkItem[],
  opts: { concurrency: number; progress: Out },
): Promise<BulkResult> {
  const outcomes: RowOutcome[] = new Array<RowOutcome>(items.length);
  const counts: Counts = { done: 0, accepted: 0, duplicate: 0, rejected: 0, failed: 0 };
  const progress = new Progress(opts.progress, items.length);
  let unreachable: string | undefined;
  let next = 0;

  const record = (i: number, o: RowOutcome) => {
    outcomes[i] = o;
    counts.done++;
    counts[o.status]++;
    progress.update(counts);
  };

  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) {
      const item = items[i]!;
      const key = typeof item.body?.idempotencyKey === 'string' ? item.body.idempotencyKey : undefined;
      if (item.error || !item.body) {
        record(i, { where: item.where, status: 'rejected', errors: item.error ?? ['no body'] });
        continue;
      }
      if (unreachable) {
        record(i, {
          where: item.where,
          status: 'failed',
          errors: [`not sent: ${unreachable}`],
          idempotencyKey: key,
        });
        continue;
      }
      try {
        const res = await postAlert(api, item.body);
        record(i, {
          where: item.where,
          status: res.body.status === 'duplicate' ? 'duplicate' : 'accepted',
          alertId: res.body.alertId,
        });
      } catch (err) {
        if (err instanceof ApiError && err.status === 400) {
          const fields = fieldErrors(err.problem);
          record(i, {
            where: item.where,
            status: 'rejected',
            errors: fields.length > 0 ? fields : [err.message],
            idempotencyKey: key,
          });
        } else {
          if (
            err instanceof ApiUnreachableError ||
            (err instanceof ApiError && (err.status === 401 || err.status === 403))
          )
            unreachable ??= err.message;
          record(i, {
            where: item.where,
            status: 'failed',
            errors: [(err as Error).message],
            idempotencyKey: key,
          });
        }
      }
    }
  };

  progress.update(counts, true);
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency, items.length)) }, worker));
  progress.finish(counts);
  const { done: _done, ...rest } = counts;
  return { total: items.length, ...rest, rows: outcomes };
}
