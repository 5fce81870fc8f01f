import { ApplicationFailure } from '@temporalio/common';
import type { Dispatcher } from 'undici';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Logger } from '../observability/logger';
import { clampRetryAfter, DEFAULT_RETRY_AFTER_MAX_SECONDS } from '../genesys/errors';
import { normalisePresence, normaliseSystemPresence } from '../genesys/presence';
import { GenesysApiError, type GenesysClient } from '../genesys/types';
import { DELIVERY_HEARTBEAT_MS } from '../shared/constants';
import { currentActivity } from './context';
import { AgentDirectory } from './directory';
import { postSignedJson, redactUrl } from './http';
import { notificationActions } from './notification-actions';
import { PresenceTracker, type PresenceTrackerOptions } from './presence';
import { GatePausedError } from './queue-pause';
import { gatedGenesysClient, type GenesysThrottle } from './throttle';
import type {
  ChannelResult,
  DeliverToDesktopInput,
  DeliverToDesktopResult,
  FallbackInput,
  ForwardActionInput,
  ResolvedAgent,
} from './types';

export interface ActivityDeps {
  genesys: GenesysClient;
  logger: Logger;
  downstream?: { webhookUrl?: string; signingSecret?: string };
  fallback?: { smtpUrl?: string; smtpFrom?: string; webhookUrl?: string; signingSecret?: string };
  /** For tests: where outbound webhooks go through. */
  dispatcher?: Dispatcher;
  presence?: PresenceTrackerOptions;
  now?: () => number;
  /** Shared 429 gate: every Genesys call waits at it, and a 429 pauses the Genesys queue for every worker. */
  throttle?: Pick<GenesysThrottle, 'wait' | 'onRateLimited'>;
  /** The longest Retry-After honoured, in seconds (GENESYS_RETRY_AFTER_MAX_SECONDS; default 300). */
  retryAfterMaxSeconds?: number;
}

/**
 * Map a Genesys error to what Temporal should do about it. `retryAfterMaxSeconds` bounds a 429's retry delay
 * (GENESYS_RETRY_AFTER_MAX_SECONDS): the client caps what it parses, but the error may come from elsewhere.
 */
export function toActivityFailure(
  err: unknown,
  retryAfterMaxSeconds: number = DEFAULT_RETRY_AFTER_MAX_SECONDS,
): Error {
  if (err instanceof GatePausedError) {
    return ApplicationFailure.create({
      message: err.message,
      type: 'GenesysRateLimited',
      nextRetryDelay: `${Math.ceil(err.remainingMs / 1000)}s`,
    });
  }
  if (!(err instanceof GenesysApiError)) return err instanceof Error ? err : new Error(String(err));
  const detail = `${err.message}${err.correlationId ? ` (ININ-Correlation-Id ${err.correlationId})` : ''}`;
  switch (err.kind) {
    case 'rate_limited':
      // Retry after exactly what Genesys asked for, not the policy's backoff.
      return ApplicationFailure.create({
        message: detail,
        type: 'GenesysRateLimited',
        nextRetryDelay: `${Math.max(1, clampRetryAfter(err.retryAfterSeconds, retryAfterMaxSeconds) ?? 1)}s`,
      });
    case 'invalid_client':
    case 'forbidden':
    case 'bad_request':
    case 'endpoint_missing': // a configuration error: every retry would get the same 404
      return ApplicationFailure.nonRetryable(detail, `Genesys_${err.kind}`);
    default:
      return ApplicationFailure.retryable(detail, `Genesys_${err.kind}`);
  }
}

export function createActivities(deps: ActivityDeps) {
  const log = deps.logger;
  const now = deps.now ?? Date.now;
  const genesys = deps.throttle ? gatedGenesysClient(deps.genesys, deps.throttle) : deps.genesys;
  const presence = new PresenceTracker(
    async (ids) => {
      const out = new Map<string, { presence?: string; routingStatus?: string }>();
      const g = genesys;
      if (g.getPresences) {
        // One bulk call for the whole batch (the client splits it at the API's page limit).
        for (const p of await g.getPresences(ids)) out.set(p.userId, { presence: normalisePresence(p) });
        return out;
      }
      await Promise.all(
        ids.map(async (id) => {
          try {
            const u = await g.getUser(id);
            out.set(id, { presence: normalisePresence(u), routingStatus: u.routingStatus?.status });
          } catch (err) {
            if (!(err instanceof GenesysApiError && err.kind === 'not_found')) throw err;
          }
        }),
      );
      return out;
    },
    { now, ...deps.presence },
  );
  const directory = new AgentDirectory(genesys, {
    now,
    onUsers: (users, at) => {
      for (const u of users) {
        const p = normalisePresence(u);
        // expand is best effort (GENESYS.md): a user without presence is no reading, so the session check asks
        // the presence endpoint instead of taking "not returned" for "unknown" (or for a return from offline).
        if (u.state === 'active' && p !== undefined) presence.observe(u.id, p, u.routingStatus?.status, at);
      }
    },
  });
  let mailer: Transporter | undefined;

  async function resolve(
    input: DeliverToDesktopInput,
  ): Promise<ResolvedAgent | Extract<DeliverToDesktopResult, { outcome: 'skipped' }>> {
    if ('userId' in input.target) return { userId: input.target.userId };
    const r = await directory.resolve(input.target.email);
    if (!r.ok) return { outcome: 'skipped', reason: r.reason, detail: r.detail };
    return r.agent;
  }

  /** Resolve the agent, check the session right before the send, and send once (idempotency key). */
  async function deliver(input: DeliverToDesktopInput): Promise<DeliverToDesktopResult> {
    const ctx = { correlationId: input.correlationId };
    try {
      const agent = await resolve(input);
      if ('outcome' in agent) return agent;
      // An offline reading that is still fresh (e.g. from the search that just resolved the agent) is
      // reported as what it is; an older one trips the breaker without another look-up.
      if (!input.fresh && presence.breakerOpen(agent.userId) && !presence.recent(agent.userId)) {
        return {
          outcome: 'skipped',
          reason: 'breaker_open',
          detail: 'agent was seen offline in the last 300 s',
          agent,
        };
      }
      const p = await presence.get(agent.userId, input.fresh);
      if (!p)
        return {
          outcome: 'skipped',
          reason: 'agent_not_found',
          detail: `user ${agent.userId} is unknown`,
          agent,
        };
      const seen = { agent, presence: p.presence, routingStatus: p.routingStatus };
      if (p.presence === 'offline') {
        return {
          outcome: 'skipped',
          reason: 'logged_out',
          detail: 'the agent has no desktop session (presence Offline)',
          ...seen,
        };
      }
      // Normalised here too: runs started before the ingress spelt policy presences this way keep their input.
      const inWindow = input.operationalPresences.map((name) => normaliseSystemPresence(name));
      if (!p.presence || !inWindow.includes(p.presence)) {
        return {
          outcome: 'skipped',
          reason: 'outside_operational_window',
          detail: `presence ${p.presence ?? 'unknown'} is outside this alert's operational window`,
          ...seen,
        };
      }
      try {
        const n = await genesys.createNotification(
          {
            userId: agent.userId,
            title: input.title,
            message: input.message,
            type: input.type,
            idempotencyKey: input.idempotencyKey,
            actions: notificationActions(input),
            expiresAt: input.expiresAt,
          },
          ctx,
        );
        log.info(
          {
            alertId: input.alertId,
            correlationId: input.correlationId,
            notificationId: n.id,
            userId: agent.userId,
          },
          'notification sent',
        );
        return { outcome: 'sent', notificationId: n.id, ...seen };
      } catch (err) {
        // A 404 for the endpoint itself is not here: the client reports it as endpoint_missing, which fails the
        // attempt as the configuration error it is (toActivityFailure), never as a session change.
        if (err instanceof GenesysApiError && err.kind === 'not_found') {
          presence.invalidate(agent.userId);
          return {
            outcome: 'skipped',
            reason: 'agent_not_found',
            detail: `Genesys answered 404 to the send: user ${agent.userId} is unknown`,
            ...seen,
          };
        }
        if (err instanceof GenesysApiError && err.kind === 'conflict') {
          presence.invalidate(agent.userId);
          return {
            outcome: 'skipped',
            reason: 'session_changed',
            detail: `Genesys answered ${err.status} to the send: the agent's session changed since the check`,
            ...seen,
          };
        }
        throw err;
      }
    } catch (err) {
      log.warn(
        { alertId: input.alertId, correlationId: input.correlationId, err },
        'desktop delivery attempt failed',
      );
      throw toActivityFailure(err, deps.retryAfterMaxSeconds);
    }
  }

  return {
    /** See deliver(). Heartbeats while it runs, so a send lost with its worker is retried within seconds. */
    async deliverToDesktop(input: DeliverToDesktopInput): Promise<DeliverToDesktopResult> {
      return whileHeartbeating(() => deliver(input));
    },

    /** Hand the agent's action to the configured consumer (signed webhook). */
    async forwardAction(input: ForwardActionInput): Promise<ChannelResult> {
      const url = deps.downstream?.webhookUrl;
      if (!url) return { outcome: 'not_configured', detail: 'DOWNSTREAM_WEBHOOK_URL is not set' };
      await postSignedJson({
        url,
        webhookId: `${input.alertId}:${input.action.notificationId}:${input.action.actionId}`,
        secret: deps.downstream?.signingSecret,
        spanName: 'downstream webhook',
        body: {
          type: 'alert.action',
          alertId: input.alertId,
          correlationId: input.correlationId,
          action: input.action,
          alert: input.alert,
        },
        dispatcher: deps.dispatcher,
        correlationId: input.correlationId,
      });
      log.info(
        { alertId: input.alertId, correlationId: input.correlationId, actionId: input.action.actionId },
        'action forwarded downstream',
      );
      return { outcome: 'delivered', detail: redactUrl(url) };
    },

    async sendFallbackWebhook(input: FallbackInput): Promise<ChannelResult> {
      const url = deps.fallback?.webhookUrl;
      if (!url) return { outcome: 'not_configured', detail: 'FALLBACK_WEBHOOK_URL is not set' };
      await postSignedJson({
        url,
        webhookId: `${input.alertId}:fallback`,
        secret: deps.fallback?.signingSecret,
        spanName: 'fallback webhook',
        body: { event: 'alert.fallback', ...input },
        dispatcher: deps.dispatcher,
        correlationId: input.correlationId,
      });
      log.info({ alertId: input.alertId, correlationId: input.correlationId }, 'fallback webhook delivered');
      return { outcome: 'delivered', detail: redactUrl(url) };
    },

    async sendFallbackEmail(input: FallbackInput): Promise<ChannelResult> {
      const smtpUrl = deps.fallback?.smtpUrl;
      if (!smtpUrl) return { outcome: 'not_configured', detail: 'SMTP_URL is not set' };
      const to =
        input.email ?? input.agent?.email ?? ('email' in input.target ? input.target.email : undefined);
      if (!to)
        throw ApplicationFailure.nonRetryable(
          'no email recipient: set fallback.email on the alert',
          'NoRecipient',
        );
      mailer ??= nodemailer.createTransport(smtpUrl);
      const links = input.actions
        .filter((a) => a.actionType === 'openUrl')
        .map((a) => `${a.label}: ${a.url}`);
      try {
        await mailer.sendMail({
          from: deps.fallback?.smtpFrom ?? 'desktop-alerts@localhost',
          to,
          subject: `[${input.type}] ${input.title}`,
          text: [input.message, '', ...links, '', `Alert ${input.alertId} (${input.reason})`].join('\n'),
          // Lets the receiving side drop a duplicate if an activity retry re-sends it.
          messageId: `<${input.alertId.replace(/[^A-Za-z0-9._-]/g, '_')}@desktop-alerts>`,
        });
      } catch (err) {
        throw ApplicationFailure.retryable(
          `SMTP delivery to ${to.replace(/^[^@]*/, '***')} failed: ${(err as Error).message}`,
          'SmtpError',
        );
      }
      log.info({ alertId: input.alertId, correlationId: input.correlationId }, 'fallback email sent');
      return { outcome: 'delivered', detail: 'email' };
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;

/**
 * Run `fn`, heartbeating every DELIVERY_HEARTBEAT_MS while it runs (a short run sends none: no extra calls).
 * With the workflow's heartbeat time-out, a send whose worker died or dropped it at shutdown (the server
 * thinks it started; nobody runs it) is retried after that time-out instead of the 30 s start-to-close one.
 */
async function whileHeartbeating<T>(fn: () => Promise<T>): Promise<T> {
  const ctx = currentActivity();
  if (!ctx) return fn(); // called outside an activity (unit tests)
  const timer = setInterval(() => ctx.heartbeat(), DELIVERY_HEARTBEAT_MS);
  try {
    return await fn();
  } finally {
    clearInterval(timer);
  }
}
