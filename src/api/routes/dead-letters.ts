import { Router } from 'express';
import type { CallbackInbox, InboxRecord } from '../../callbacks/inbox';
import { permit } from '../auth';
import { sendProblem } from '../problem';

const view = (r: InboxRecord) => ({
  id: r.id,
  key: r.key,
  alertId: r.alertId,
  reason: r.reason,
  detail: r.detail,
  callback: r.callback,
  rawBody: r.rawBody,
  deliveryId: r.deliveryId,
  correlationId: r.correlationId,
  attempts: r.attempts,
  receivedAt: r.receivedAt,
  updatedAt: r.updatedAt,
});

const int = (v: unknown): number | undefined => {
  const n = typeof v === 'string' && /^\d{1,15}$/.test(v) ? Number(v) : undefined;
  return n;
};

/** Operator API: list dead-lettered callbacks and put them back in the relay's queue. */
export function deadLetterRoutes({ inbox }: { inbox: CallbackInbox }): Router {
  const r = Router();

  r.get('/dead-letters', permit('deadLetter.list'), (req, res) => {
    // A bad query is refused, not read as the default: a caller asking for `limit=-1` learns its mistake.
    const errors = (['limit', 'after'] as const)
      .filter((name) => req.query[name] !== undefined && int(req.query[name]) === undefined)
      .map((field) => ({ field, message: 'expected a non-negative integer' }));
    if (req.query.limit !== undefined && int(req.query.limit) === 0)
      errors.push({ field: 'limit', message: 'must be at least 1' });
    if (errors.length > 0) return sendProblem(res, 'validation', { detail: 'invalid query', errors });
    const limit = Math.min(int(req.query.limit) ?? 100, 1000);
    const items = inbox.listDeadLetters({ afterId: int(req.query.after) ?? 0, limit });
    const last = items.at(-1);
    res.json({
      items: items.map(view),
      total: inbox.deadLetterCount(),
      next: items.length === limit && last ? `?after=${last.id}&limit=${limit}` : null,
    });
  });

  r.post('/dead-letters/replay', permit('deadLetter.replay'), (_req, res) => {
    res.status(202).json(inbox.replayAll());
  });

  r.post('/dead-letters/:id/replay', permit('deadLetter.replay'), (req, res) => {
    const id = int(req.params.id);
    const out = id === undefined ? 'not_found' : inbox.replay(id);
    if (out === 'not_found') return sendProblem(res, 'notFound', { detail: 'no such dead letter' });
    if (out !== 'replayed')
      return sendProblem(res, 'conflict', {
        detail:
          out === 'not_dead_lettered'
            ? 'not a dead letter (already applied or queued)'
            : 'its body still cannot be parsed',
      });
    res.status(202).json({ id, status: 'replayed' });
  });

  return r;
}
