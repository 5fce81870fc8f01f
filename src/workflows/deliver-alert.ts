import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  isCancellation,
  log,
  patched,
  proxyActivities,
  proxySinks,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import type { DeliverToDesktopResult, ResolvedAgent } from '../activities/types';
import {
  DEFAULT_DOWNSTREAM_RETRY_SECONDS,
  DELIVERY_HEARTBEAT_TIMEOUT_MS,
  FALLBACK_RETRY_SECONDS,
  genesysQueueFor,
  notificationActionId,
  taskPriority,
} from '../shared/constants';
import {
  agentActionUpdate,
  cancelSignal,
  getStateQuery,
  TERMINAL_STATUSES,
  type AgentAction,
  type AlertState,
  type AlertStatus,
  type RecordedAction,
} from '../shared/messages';
import type { AlertInput } from '../shared/schemas';
import { checkInput } from './input-check';
import { SA } from '../shared/search-attributes';
import type { AlertSinks } from '../shared/sinks';

type Activities = ReturnType<typeof createActivities>;

// Metrics leave the workflow through a sink: no command, nothing in the history, not repeated on replay.
const { alertMetrics } = proxySinks<AlertSinks>();

/** Patch id: a click taken while sending ends (rejected) when the alert ends without a notification. */
const CLICK_ENDS_WITHOUT_NOTIFICATION = 'click-ends-without-notification';

/** How often an offline agent is looked at again when the policy says to wait for them (default). */
const AGENT_RECHECK_SECONDS = 60;

/**
 * One alert, end to end: resolve the agent, check the session and send once (one Genesys activity),
 * wait for the agent's action or the expiry, hand actions downstream, fall back when the desktop
 * path fails or a required acknowledgement never comes.
 */
export async function deliverAlert(rawInput: AlertInput): Promise<AlertState> {
  const now = () => new Date(Date.now()).toISOString();
  // A run never fails on its input (that left a bare "workflow failed" and no fallback): with problems it ends
  // `failed`, naming them, after its fallback where it can (refuseInput). Until then `input` holds neutral values
  // for the parts that are unusable, so the state can be built and queried.
  const checked = checkInput(rawInput, workflowInfo().workflowId, now());
  const input = checked.input;
  const expiresAtMs = Date.parse(input.expiresAt);

  const state: AlertState = {
    alertId: input.alertId,
    idempotencyKey: input.idempotencyKey,
    status: 'accepted',
    type: input.type,
    priority: input.priority,
    target: input.target,
    expiresAt: input.expiresAt,
    actions: [],
    fallback: [],
    createdAt: input.acceptedAt,
    updatedAt: now(),
    source: input.source,
    correlationId: input.correlationId,
  };
  const seenActions = new Set<string>();
  let forwardsInFlight = 0;
  let cancelRequested: { reason?: string } | undefined;
  const callbackActionIds = new Set(
    input.actions
      .map((a, i) => (a.actionType === 'callback' ? notificationActionId(a, i) : undefined))
      .filter(Boolean),
  );

  let sentAt: string | undefined;
  // Search attributes change in one command per transition, and only where they differ from what the run
  // already carries (the launcher indexes status `sending` and the agent at start): each upsert is an event
  // and a billable action.
  const setStatus = (status: AlertStatus) => {
    state.status = status;
    state.updatedAt = now();
    const current = workflowInfo().typedSearchAttributes;
    const changed = [
      { key: SA.status, value: status },
      ...(state.agent ? [{ key: SA.agent, value: state.agent.userId }] : []),
    ].filter((p) => current.get(p.key) !== p.value);
    if (changed.length > 0) upsertSearchAttributes(changed);
    if (status === 'awaiting_action') sentAt ??= state.updatedAt;
    alertMetrics.transition({
      status,
      type: input.type,
      priority: input.priority,
      acceptedAt: input.acceptedAt,
      sentAt,
      at: state.updatedAt,
    });
  };

  const priority = taskPriority(input.priority);
  const untilExpiry = () => Math.max(1_000, expiresAtMs - Date.now());

  // Every Genesys call runs on the rate-limited queue. Retries stop at the alert's expiry, then fallback.
  const genesys = () =>
    proxyActivities<Activities>({
      taskQueue: genesysQueueFor(workflowInfo().taskQueue),
      startToCloseTimeout: '30s',
      // A send lost with its worker is retried after this rather than after the 30 s above.
      heartbeatTimeout: DELIVERY_HEARTBEAT_TIMEOUT_MS,
      scheduleToCloseTimeout: untilExpiry(),
      retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '60s' },
      priority,
    });
  // Downstream delivery of an agent's action: retried (the consumer dedups on webhook-id) until delivered, or until
  // the cap passes: then the action is recorded `downstream: failed` and the run closes, rather than every actioned
  // alert staying open for as long as the consumer is down. Runs started without the field get the default.
  const downstream = proxyActivities<Activities>({
    startToCloseTimeout: '30s',
    scheduleToCloseTimeout: (input.downstreamRetrySeconds ?? DEFAULT_DOWNSTREAM_RETRY_SECONDS) * 1000,
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '5m' },
    priority,
  });
  // Fallback channels: retried for an hour, then the alert fails with the channel's last error.
  const fallback = proxyActivities<Activities>({
    startToCloseTimeout: '30s',
    scheduleToCloseTimeout: FALLBACK_RETRY_SECONDS * 1000,
    retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '5m' },
    priority,
  });

  // Handlers first, so no message that arrives early is lost.
  setHandler(getStateQuery, () => state);
  setHandler(cancelSignal, (req) => {
    cancelRequested ??= req ?? {};
  });
  setHandler(
    agentActionUpdate,
    async (action: AgentAction) => {
      const key = `${action.notificationId}:${action.actionId}`;
      if (seenActions.has(key)) return { outcome: 'duplicate' as const };
      // A click may race the send's completion: wait until we know our notification id. Or until the alert gave
      // up on the desktop (falling back) or reached a final state without one: the send failed, was skipped, or a
      // cancel landed. No notification of this alert can be clicked then, and a handler still waiting would hold
      // the run open for ever (finish() waits for every handler) and the relay's lane with it.
      await condition(
        () =>
          state.notificationId !== undefined ||
          state.status === 'falling_back' ||
          TERMINAL_STATUSES.includes(state.status),
      );
      if (state.notificationId === undefined && !patched(CLICK_ENDS_WITHOUT_NOTIFICATION)) {
        // A run that got here on older code replays as it ran: it kept waiting. Ending the handler now would put an
        // update's completion where its history has other events (a nondeterminism error). Terminate such runs.
        await condition(() => state.notificationId !== undefined);
      }
      if (state.notificationId === undefined) {
        if (state.status === 'cancelled') {
          throw ApplicationFailure.nonRetryable(
            'alert is cancelled: no action expected',
            'NotAwaitingAction',
          );
        }
        throw ApplicationFailure.nonRetryable(
          `alert is ${state.status}: its notification was never delivered (${state.desktopFailureReason ?? 'no send'}), so it takes no action`,
          'AlertNotDelivered',
        );
      }
      if (seenActions.has(key)) return { outcome: 'duplicate' as const };
      if (action.notificationId !== state.notificationId) {
        throw ApplicationFailure.nonRetryable(
          `notification ${action.notificationId} is not this alert's`,
          'UnknownNotification',
        );
      }
      seenActions.add(key);
      const recorded: RecordedAction = {
        actionId: action.actionId,
        userId: action.userId,
        notificationId: action.notificationId,
        clickedAt: action.timestamp,
        receivedAt: now(),
        downstream: 'pending',
      };
      state.actions.push(recorded);
      state.updatedAt = now();
      forwardsInFlight++;
      void forward(recorded, action.metadata).finally(() => forwardsInFlight--);
      return { outcome: 'applied' as const };
    },
    {
      validator: (action: AgentAction) => {
        if (!action || typeof action.notificationId !== 'string' || typeof action.actionId !== 'string') {
          throw ApplicationFailure.nonRetryable('malformed action', 'MalformedAction');
        }
        if (state.notificationId !== undefined && action.notificationId !== state.notificationId) {
          throw ApplicationFailure.nonRetryable(
            `notification ${action.notificationId} is not this alert's`,
            'UnknownNotification',
          );
        }
        if (state.agent && action.userId !== state.agent.userId) {
          throw ApplicationFailure.nonRetryable(
            `user ${action.userId} is not this alert's agent`,
            'WrongAgent',
          );
        }
        if (!callbackActionIds.has(action.actionId)) {
          throw ApplicationFailure.nonRetryable(
            `action ${action.actionId} is not a callback action of this alert`,
            'UnknownAction',
          );
        }
        if (state.status !== 'sending' && state.status !== 'awaiting_action' && state.status !== 'actioned') {
          throw ApplicationFailure.nonRetryable(
            `alert is ${state.status}: no action expected`,
            'NotAwaitingAction',
          );
        }
      },
    },
  );

  async function forward(recorded: RecordedAction, metadata?: Record<string, unknown>): Promise<void> {
    try {
      await forwardOnce(recorded, metadata);
    } catch (err) {
      if (isCancellation(err)) throw err;
      recorded.downstream = 'failed';
      state.updatedAt = now();
      log.error('downstream delivery failed', {
        alertId: input.alertId,
        correlationId: input.correlationId,
        actionId: recorded.actionId,
        error: failureMessage(err),
      });
    }
  }

  async function forwardOnce(recorded: RecordedAction, metadata?: Record<string, unknown>): Promise<void> {
    const r = await downstream.forwardAction({
      alertId: input.alertId,
      correlationId: input.correlationId,
      action: {
        actionId: recorded.actionId,
        userId: recorded.userId,
        notificationId: recorded.notificationId,
        clickedAt: recorded.clickedAt,
        receivedAt: recorded.receivedAt,
        metadata,
      },
      alert: {
        type: input.type,
        priority: input.priority,
        title: input.title,
        source: input.source,
        metadata: input.metadata,
      },
    });
    recorded.downstream = r.outcome === 'delivered' ? 'delivered' : 'not_configured';
    state.updatedAt = now();
  }

  async function runFallback(reason: string): Promise<AlertState> {
    setStatus('falling_back');
    if (input.fallback.channels.length === 0) {
      return finish('failed', `${reason}; no fallback channel configured`);
    }
    if (await sendFallback(reason)) return finish('fallback_delivered', undefined);
    return finish('failed', `${reason}; every fallback channel failed`);
  }

  /** Every channel of the alert's fallback policy, at once; true when at least one delivered. */
  async function sendFallback(reason: string): Promise<boolean> {
    const args = {
      alertId: input.alertId,
      correlationId: input.correlationId,
      reason,
      title: input.title,
      message: input.message,
      type: input.type,
      priority: input.priority,
      expiresAt: input.expiresAt,
      source: input.source,
      metadata: input.metadata,
      agent: state.agent,
      target: input.target,
      email: input.fallback.email,
      actions: input.actions,
    };
    await Promise.all(
      input.fallback.channels.map(async (channel) => {
        try {
          const r =
            channel === 'email'
              ? await fallback.sendFallbackEmail(args)
              : await fallback.sendFallbackWebhook(args);
          state.fallback.push({
            channel,
            outcome: r.outcome === 'delivered' ? 'delivered' : 'failed',
            at: now(),
            detail: r.detail,
          });
        } catch (err) {
          state.fallback.push({ channel, outcome: 'failed', at: now(), detail: failureMessage(err) });
        }
      }),
    );
    return state.fallback.some((f) => f.outcome === 'delivered');
  }

  /**
   * An input with problems never reaches Genesys, and the alert ends `failed` (the input is a launcher's or a
   * caller's bug, to be found and fixed), with every problem in its reason. The fallback still goes out where it
   * can: when every part the fallback sends (whom, what, where: see FALLBACK_PARTS in ./input-check) is usable, if
   * wrong at all then only for Genesys, like a title over a toast's 250 UTF-16 units, which an email or a webhook
   * carries as it is. When one of those parts is itself broken (the fallback policy, a missing title or target, an
   * input that is no object at all), a fallback would send something wrong or go nowhere, so none is sent.
   */
  async function refuseInput(problems: string[], fallbackPossible: boolean): Promise<AlertState> {
    const reason = `invalid alert input: ${problems.join('; ')}`;
    state.desktopFailureReason = reason;
    if (!fallbackPossible)
      return finish('failed', `${reason}; no fallback: the parts of the input it needs are unusable`);
    setStatus('falling_back');
    if (input.fallback.channels.length === 0)
      return finish('failed', `${reason}; no fallback channel configured`);
    if (await sendFallback(reason)) {
      const sent = state.fallback.filter((f) => f.outcome === 'delivered').map((f) => f.channel);
      return finish('failed', `${reason}; sent by fallback instead (${sent.join(', ')})`);
    }
    return finish('failed', `${reason}; every fallback channel failed`);
  }

  async function finish(status: AlertStatus, failureReason: string | undefined): Promise<AlertState> {
    if (failureReason) state.failureReason = failureReason;
    setStatus(status);
    // Every action handed downstream and every handler done before the run closes.
    await condition(() => forwardsInFlight === 0 && allHandlersFinished());
    log.info('alert finished', {
      alertId: input.alertId,
      correlationId: input.correlationId,
      status,
      failureReason,
    });
    return state;
  }

  // Indexed (AlertAgent) with the next status change.
  const setAgent = (agent: ResolvedAgent | undefined) => {
    if (agent) state.agent = agent;
  };

  if (checked.problems.length > 0) return refuseInput(checked.problems, checked.fallbackPossible);

  // 1-3. Resolve, check the session, send: one activity, so the check is right before the send.
  setStatus('sending');
  let result: DeliverToDesktopResult | undefined;
  let desktopError: string | undefined;
  for (let first = true; ; first = false) {
    if (cancelRequested) return finish('cancelled', undefined);
    try {
      result = await genesys().deliverToDesktop({
        alertId: input.alertId,
        idempotencyKey: input.idempotencyKey,
        correlationId: input.correlationId,
        target: input.target,
        title: input.title,
        message: input.message,
        type: input.type,
        // As given: the send adds each action's id and the routing metadata (activities/notification-actions.ts).
        actions: input.actions,
        expiresAt: input.expiresAt,
        callbackUrl: input.callbackUrl,
        operationalPresences: input.policy.operationalPresences,
        fresh: !first,
      });
    } catch (err) {
      if (isCancellation(err)) throw err;
      desktopError = failureMessage(err);
      break;
    }
    setAgent(result.agent);
    state.presence = result.presence;
    state.routingStatus = result.routingStatus;
    const agentAway =
      result.outcome === 'skipped' &&
      ['logged_out', 'outside_operational_window', 'breaker_open'].includes(result.reason);
    if (!(agentAway && input.policy.waitForAgent)) break;
    // Wait durably for the agent to come back (or the alert to expire, or a cancel).
    setStatus('waiting_for_agent');
    const remaining = expiresAtMs - Date.now();
    if (remaining <= 0) break;
    await condition(
      () => cancelRequested !== undefined,
      Math.min((input.policy.recheckIntervalSeconds ?? AGENT_RECHECK_SECONDS) * 1000, remaining),
    );
    if (Date.now() >= expiresAtMs) break;
    setStatus('sending');
  }

  if (cancelRequested) return finish('cancelled', undefined);
  if (!result || result.outcome === 'skipped') {
    state.desktopFailureReason = result
      ? `${result.reason}: ${result.detail}`
      : `desktop delivery failed: ${desktopError}`;
    return runFallback(state.desktopFailureReason);
  }
  state.notificationId = result.notificationId;
  setStatus('awaiting_action');

  // 4. Wait for the agent or the expiry (a durable timer).
  const remaining = expiresAtMs - Date.now();
  const acted =
    remaining > 0 &&
    (await condition(() => state.actions.length > 0 || cancelRequested !== undefined, remaining));
  if (state.actions.length > 0) return finish('actioned', undefined);
  if (acted && cancelRequested) return finish('cancelled', undefined);
  if (input.policy.requireAck) {
    state.desktopFailureReason = 'expired without acknowledgement';
    return runFallback(state.desktopFailureReason);
  }
  return finish('expired', undefined);
}

function failureMessage(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause) return failureMessage(err.cause);
  if (err instanceof Error) return err.message;
  return String(err);
}
