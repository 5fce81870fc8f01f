/**
 * The agent app's two HTTP routes (the protocol is in src/agent-app/README.md):
 * - POST /agent-app/session: a Genesys user token in, the service's own session out. Who the agent is comes from
 *   Genesys (`users/me`), never from the browser; the Genesys token is neither stored nor logged.
 * - POST /agent-app/actions: an agent's click. Same path as a signed callback: the durable inbox (deduplicated by
 *   notificationId:actionId), then the relay and the workflow's update, so one click is applied once whichever node
 *   it lands on. The user id comes from the session. Checked before anything is written: the session (401), the
 *   notification id's MAC (404: not one this service made), its agent (403), and, where this node pushed the
 *   alert, the action (404). Elsewhere an unknown action reaches the workflow, which refuses it (a dead letter).
 */
import express, { Router } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { ConnectionHub } from '../../agent-app/hub';
import type { AgentAppKeys } from '../../agent-app/keys';
import { parseNotificationId } from '../../agent-app/notification-id';
import {
  BEARER_TOKEN_PATTERN,
  bearerToken,
  issueSessionToken,
  verifySessionToken,
} from '../../agent-app/session-token';
import { fetchUserMe, SignInError } from '../../agent-app/users-me';
import type { CallbackInbox } from '../../callbacks/inbox';
import { ALERT_ID_METADATA_KEY, CORRELATION_ID_METADATA_KEY } from '../../shared/constants';
import { zodIssuesToFieldIssues } from '../../shared/field-issues';
import { sendProblem } from '../problem';

export interface AgentAppRouteDeps {
  hub: ConnectionHub;
  keys: AgentAppKeys;
  inbox: CallbackInbox;
  logger: Logger;
  /** The Genesys API base users/me is asked at (undefined: sign-in is not possible here). */
  genesysApiBase?: string;
  sessionTtlSeconds: number;
  genesysTimeoutMs?: number;
}

/** Sessions last an hour; the app exchanges its Genesys token again before then. */
export const SESSION_TTL_SECONDS = 3600;

const SessionBody = z.strictObject({
  accessToken: z
    .string()
    .min(1)
    .max(8192)
    .regex(new RegExp(BEARER_TOKEN_PATTERN), 'a bearer token (RFC 6750)'),
});
const ActionBody = z.strictObject({
  notificationId: z.string().min(1).max(400),
  actionId: z.string().min(1).max(200),
});

const requestIdOf = (res: express.Response): string => (res.locals as { requestId: string }).requestId;

export function agentAppRoutes(deps: AgentAppRouteDeps): Router {
  const r = Router();
  const json = express.json({ limit: '16kb', strict: true });

  r.post('/agent-app/session', json, async (req, res) => {
    const body = SessionBody.safeParse(req.body);
    if (!body.success) {
      return sendProblem(res, 'validation', {
        detail: 'expected {"accessToken": "<the agent\'s Genesys token>"}',
        errors: zodIssuesToFieldIssues(body.error.issues).map((i) => ({ field: i.path, message: i.message })),
      });
    }
    if (!deps.genesysApiBase) {
      return sendProblem(res, 'genesysUnavailable', {
        detail: 'no Genesys API is configured on this service',
      });
    }
    try {
      const user = await fetchUserMe(deps.genesysApiBase, body.data.accessToken, {
        timeoutMs: deps.genesysTimeoutMs,
      });
      const exp = Date.now() + deps.sessionTtlSeconds * 1000;
      const sessionToken = issueSessionToken(deps.keys.session, {
        userId: user.id,
        name: user.name,
        email: user.email,
        exp,
      });
      deps.logger.info({ requestId: requestIdOf(res), userId: user.id }, 'agent app signed in');
      res.json({ sessionToken, expiresAt: new Date(exp).toISOString(), user });
    } catch (err) {
      if (err instanceof SignInError && err.kind === 'refused') {
        return sendProblem(res, 'unauthorized', { detail: err.message });
      }
      deps.logger.warn(
        { requestId: requestIdOf(res), err: (err as Error).message },
        'agent app sign-in not checked',
      );
      sendProblem(res, 'genesysUnavailable', { detail: (err as Error).message });
    }
  });

  r.post('/agent-app/actions', json, async (req, res) => {
    const check = verifySessionToken(deps.keys.session, bearerToken(req.get('authorization')));
    if (!check.ok) {
      res.set('WWW-Authenticate', 'Bearer');
      return sendProblem(res, 'unauthorized', {
        detail:
          check.reason === 'expired'
            ? 'the session expired: sign in again'
            : 'a valid agent-app session is required',
      });
    }
    const body = ActionBody.safeParse(req.body);
    if (!body.success) {
      return sendProblem(res, 'validation', {
        detail: 'expected {"notificationId", "actionId"}',
        errors: zodIssuesToFieldIssues(body.error.issues).map((i) => ({ field: i.path, message: i.message })),
      });
    }
    const { notificationId, actionId } = body.data;
    const userId = check.session.userId;
    const made = parseNotificationId(deps.keys.notification, notificationId);
    if (!made) return sendProblem(res, 'notFound', { detail: `unknown notification ${notificationId}` });
    if (made.userId !== userId) {
      deps.logger.warn(
        { requestId: requestIdOf(res), userId, alertId: made.alertId },
        "agent app click on another agent's notification",
      );
      return sendProblem(res, 'forbidden', { detail: 'this notification belongs to another agent' });
    }
    const pushed = deps.hub.lookup(notificationId);
    if (pushed && !pushed.actions.some((a) => a.id === actionId && a.actionType === 'callback')) {
      return sendProblem(res, 'notFound', { detail: `the notification has no callback action ${actionId}` });
    }
    try {
      const outcome = await deps.inbox.insertDurably(
        {
          notificationId,
          userId,
          actionId,
          metadata: {
            [ALERT_ID_METADATA_KEY]: made.alertId,
            ...(pushed ? { [CORRELATION_ID_METADATA_KEY]: pushed.correlationId } : {}),
          },
          timestamp: new Date().toISOString(),
        },
        { correlationId: requestIdOf(res) },
      );
      res
        .status(outcome === 'new' ? 202 : 200)
        .json({ status: outcome === 'new' ? 'accepted' : 'duplicate' });
    } catch (err) {
      deps.logger.error({ err, requestId: requestIdOf(res) }, 'agent app click could not be stored');
      sendProblem(res, 'internal', { detail: 'could not store the click; retry' });
    }
  });
  return r;
}
