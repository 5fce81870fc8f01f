import { Router } from 'express';
import type { Logger } from 'pino';
import {
  AlertClosedError,
  AlertNotFoundError,
  AlertValidationError,
  IdempotencyKeyTakenError,
  TemporalUnavailableError,
  type AlertsClient,
} from '../../alerts';
import { callerOf, ownerScope, permit } from '../auth';
import type { IngressMetrics } from '../metrics';
import { sendProblem } from '../problem';

/** Seconds a caller should wait before retrying while Temporal is unreachable. */
const RETRY_AFTER_SECONDS = 5;
const ALERT_ID = /^alert-[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

interface Deps {
  alerts: AlertsClient;
  metrics: IngressMetrics;
  logger: Logger;
}

export function alertRoutes({ alerts, metrics, logger }: Deps): Router {
  const r = Router();

  r.post('/alerts', permit('alert.start'), async (req, res) => {
    const correlationId = (res.locals as { requestId: string }).requestId;
    if (
      req.body === undefined ||
      req.body === null ||
      typeof req.body !== 'object' ||
      Array.isArray(req.body)
    ) {
      metrics.alertsStarted.inc({ outcome: 'invalid' });
      return sendProblem(res, 'validation', {
        detail: 'the body must be a JSON object (Content-Type: application/json)',
        errors: [{ field: '', message: 'expected a JSON object' }],
      });
    }
    try {
      const out = await alerts.startAlert(req.body, {
        correlationId,
        idempotencyKeyHeader: req.get('idempotency-key'),
        source: callerOf(res).name,
      });
      res.locals.alertId = out.alertId;
      metrics.alertsStarted.inc({ outcome: out.status });
      logger.info({ alertId: out.alertId, status: out.status, correlationId }, 'alert request');
      res.status(out.status === 'accepted' ? 202 : 200).json(out);
    } catch (err) {
      if (err instanceof AlertValidationError) {
        metrics.alertsStarted.inc({ outcome: 'invalid' });
        return sendProblem(res, 'validation', {
          detail: `${err.issues.length} field(s) are invalid`,
          errors: err.issues.map((i) => ({ field: i.path, message: i.message })),
        });
      }
      if (err instanceof IdempotencyKeyTakenError) {
        metrics.alertsStarted.inc({ outcome: 'invalid' });
        return sendProblem(res, 'conflict', {
          detail: 'this idempotency key was already used by another API key; choose another',
        });
      }
      if (err instanceof TemporalUnavailableError) {
        metrics.alertsStarted.inc({ outcome: 'unavailable' });
        return unavailable(res, logger, err);
      }
      metrics.alertsStarted.inc({ outcome: 'error' });
      throw err;
    }
  });

  r.get('/alerts/:alertId', permit('alert.read'), async (req, res) => {
    const alertId = String(req.params.alertId);
    if (!ALERT_ID.test(alertId)) return sendProblem(res, 'notFound', { detail: 'no such alert' });
    try {
      const state = await alerts.getAlert(alertId, ownerScope(callerOf(res)));
      if (!state) return sendProblem(res, 'notFound', { detail: 'no such alert' });
      res.json(state);
    } catch (err) {
      if (err instanceof TemporalUnavailableError) return unavailable(res, logger, err);
      throw err;
    }
  });

  r.post('/alerts/:alertId/cancel', permit('alert.cancel'), async (req, res) => {
    const alertId = String(req.params.alertId);
    if (!ALERT_ID.test(alertId)) return sendProblem(res, 'notFound', { detail: 'no such alert' });
    res.locals.alertId = alertId;
    const reason =
      typeof (req.body as { reason?: unknown } | undefined)?.reason === 'string'
        ? String((req.body as { reason: string }).reason).slice(0, 200)
        : undefined;
    try {
      await alerts.cancelAlert(alertId, reason, ownerScope(callerOf(res)));
      res.status(202).json({ alertId, status: 'cancelling' });
    } catch (err) {
      if (err instanceof AlertNotFoundError) return sendProblem(res, 'notFound', { detail: 'no such alert' });
      if (err instanceof AlertClosedError)
        return sendProblem(res, 'conflict', { detail: 'the alert is already closed' });
      if (err instanceof TemporalUnavailableError) return unavailable(res, logger, err);
      throw err;
    }
  });

  return r;
}

function unavailable(
  res: Parameters<typeof sendProblem>[0],
  logger: Logger,
  err: TemporalUnavailableError,
): void {
  logger.warn({ err, alertId: err.alert?.alertId }, 'Temporal unreachable');
  res.set('Retry-After', String(RETRY_AFTER_SECONDS));
  if (err.alert) {
    // The start may have happened anyway: a retry with this key (the one generated, when the caller sent none)
    // is answered as a duplicate, where one without it would make a second toast.
    return sendProblem(res, 'unavailable', {
      detail:
        'the workflow service did not confirm the start in time; the alert may exist: retry with this idempotencyKey',
      ...err.alert,
    });
  }
  sendProblem(res, 'unavailable', { detail: 'the workflow service cannot be reached; retry later' });
}
