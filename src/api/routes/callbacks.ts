import express, { Router, type Response } from 'express';
import type { Logger } from 'pino';
import type { CallbackInbox } from '../../callbacks/inbox';
import { zodIssuesToFieldIssues } from '../../shared/field-issues';
import { CALLBACK_PATH } from '../../shared/constants';
import { DesktopCallbackSchema } from '../../shared/schemas';
import type { IngressMetrics } from '../metrics';
import { sendProblem } from '../problem';
import { verifyWebhook, type WebhookHeaders } from '../../shared/standard-webhooks';

interface Deps {
  inbox: CallbackInbox;
  logger: Logger;
  metrics: IngressMetrics;
  secret?: string;
}

/** The largest callback body taken (a click is well under 1 kB); a larger one is a 413 and is not stored. */
export const CALLBACK_BODY_LIMIT_BYTES = 64 * 1024;

/**
 * POST /webhooks/desktop-callback. The platform waits 5 s and then retries, so this route only
 * verifies, validates and writes to the durable inbox; the relay applies the callback later.
 * Bad signatures store nothing; signed-but-unusable bodies are kept as dead letters.
 */
export function callbackRoute({ inbox, logger, metrics, secret }: Deps): Router {
  const r = Router();
  // Any Content-Type: the signature covers the exact bytes, and a platform quirk in the header
  // must not turn a valid click into a failure.
  const rawBody = express.raw({ type: () => true, limit: CALLBACK_BODY_LIMIT_BYTES });
  r.post(CALLBACK_PATH, rawBody, async (req, res) => {
    const start = process.hrtime.bigint();
    const done = (outcome: string) =>
      metrics.callbackAckSeconds.observe({ outcome }, Number(process.hrtime.bigint() - start) / 1e9);
    const ack = (outcome: string) => {
      metrics.callbackAcks.inc({ outcome });
      done(outcome);
    };
    const requestId = (res.locals as { requestId: string }).requestId;
    if (!secret) {
      ack('not_configured');
      return sendProblem(res, 'unavailable', { detail: 'callback signing secret not configured' });
    }
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const v = verifyWebhook(secret, req.headers as WebhookHeaders, raw);
    if (!v.ok) {
      ack('invalid_signature');
      logger.warn({ requestId, reason: v.reason }, 'desktop callback rejected: signature');
      return sendProblem(res, 'invalidSignature', { detail: v.reason });
    }
    const meta = { deliveryId: v.id, correlationId: requestId };
    try {
      let body: unknown;
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch (err) {
        const id = inbox.deadLetterRaw('malformed_json', raw, (err as Error).message, meta);
        ack('malformed_json');
        logger.warn({ requestId, deadLetterId: id }, 'desktop callback dead-lettered: malformed JSON');
        return sendProblem(res, 'malformedJson', {
          detail: 'the body is not valid JSON; kept for inspection',
          deadLetterId: id,
        });
      }
      const parsed = DesktopCallbackSchema.safeParse(body);
      if (!parsed.success || nestedDeeperThan(parsed.data.metadata, MAX_METADATA_DEPTH)) {
        const errors = parsed.success
          ? [{ field: 'metadata', message: `nested deeper than ${MAX_METADATA_DEPTH} levels` }]
          : zodIssuesToFieldIssues(parsed.error.issues).map((i) => ({ field: i.path, message: i.message }));
        const id = inbox.deadLetterRaw('invalid_schema', raw, JSON.stringify(errors), meta);
        ack('invalid_schema');
        logger.warn({ requestId, deadLetterId: id, errors }, 'desktop callback dead-lettered: invalid body');
        return sendProblem(res, 'validation', {
          detail: 'the callback body is invalid; kept for inspection',
          errors,
          deadLetterId: id,
        });
      }
      const outcome = await inbox.insertDurably(parsed.data, meta);
      const status = outcome === 'new' ? 'accepted' : 'duplicate';
      ack(status);
      respond(res, outcome === 'new' ? 202 : 200, { status });
    } catch (err) {
      // The inbox could not write: answer 5xx so the platform retries rather than losing the click.
      ack('error');
      logger.error({ err, requestId }, 'desktop callback could not be stored');
      sendProblem(res, 'internal', { detail: 'could not store the callback; retry' });
    }
  });
  return r;
}

const respond = (res: Response, status: number, body: unknown) => res.status(status).json(body);

/**
 * The platform echoes the flat metadata map the service sent. Anything nested deeply is not ours, and
 * past a few thousand levels it would overflow the stack when stored or handed to Temporal (a 500 the
 * platform retries and then drops): refuse it up front. Iterative, so the check itself cannot overflow.
 */
const MAX_METADATA_DEPTH = 32;

function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth >= max) return true;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}
