/**
 * One alert run's state and what changes it: the status transitions (search attributes and the metrics sink), the
 * logic of its message handlers (state query, cancel signal, agent action update), the hand-off of each action
 * downstream, and the run's end. deliverAlert (./deliver-alert.ts) registers the handlers, which delegate here, and
 * drives the steps; the fallback is ./fallback.ts.
 *
 * Workflow code: deterministic. The order of the calls that make commands (upserts, activities, patch markers) is
 * the run's history; keep it as it is, or recorded runs stop replaying (test/workflow/replay.test.ts).
 */
import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  isCancellation,
  log,
  patched,
  proxySinks,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { ChannelResult, ForwardActionInput, ResolvedAgent } from '../activities/types';
import type { ChannelAttempt, ChannelSkipReason, DesktopChannel } from '../shared/agent-app';
import { notificationActionId } from '../shared/constants';
import {
  TERMINAL_STATUSES,
  type AgentAction,
  type AgentActionResult,
  type AlertState,
  type AlertStatus,
  type RecordedAction,
} from '../shared/messages';
import type { AlertInput } from '../shared/schemas';
import { SA } from '../shared/search-attributes';
import type { AlertSinks } from '../shared/sinks';
import type { AlertActivities } from './activity-options';

// Metrics leave the workflow through a sink: no command, nothing in the history, not repeated on replay.
const { alertMetrics } = proxySinks<AlertSinks>();

/** Patch id: a click taken while sending ends (rejected) when the alert ends without a notification. */
const CLICK_ENDS_WITHOUT_NOTIFICATION = 'click-ends-without-notification';

/** Workflow time, ISO (Date.now is deterministic in workflow code). */
export const workflowNow = (): string => new Date(Date.now()).toISOString();

export class AlertRun {
  readonly state: AlertState;
  readonly expiresAtMs: number;
  /** Set by the cancel signal; the steps look at it between activities. */
  cancelRequested: { reason?: string } | undefined;
  private readonly seenActions = new Set<string>();
  private readonly callbackActionIds: Set<string | undefined>;
  private forwardsInFlight = 0;
  private sentAt: string | undefined;
  /** Runs once the last status is set, before the run closes (the agent-app channel withdraws its alert here). */
  beforeClose: ((status: AlertStatus) => Promise<void>) | undefined;

  constructor(
    readonly input: AlertInput,
    private readonly downstream: Pick<AlertActivities, 'downstream' | 'downstreamFirstTry'>,
  ) {
    this.expiresAtMs = Date.parse(input.expiresAt);
    this.state = {
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
      updatedAt: workflowNow(),
      source: input.source,
      correlationId: input.correlationId,
    };
    this.callbackActionIds = new Set(
      input.actions
        .map((a, i) => (a.actionType === 'callback' ? notificationActionId(a, i) : undefined))
        .filter(Boolean),
    );
  }

  // --- Status transitions ---

  /**
   * Search attributes change in one command per transition, and only where they differ from what the run
   * already carries (the launcher indexes status `sending` and the agent at start): each upsert is an event
   * and a billable action. Every transition also goes to the metrics sink.
   */
  setStatus(status: AlertStatus): void {
    const { state, input } = this;
    state.status = status;
    state.updatedAt = workflowNow();
    const current = workflowInfo().typedSearchAttributes;
    const changed = [
      { key: SA.status, value: status },
      ...(state.agent ? [{ key: SA.agent, value: state.agent.userId }] : []),
    ].filter((p) => current.get(p.key) !== p.value);
    // The channel attributes ride on the same upsert (runs started with channels in their input only: older runs
    // replay the commands they made).
    const channelPairs = input.desktopChannels ? this.channelAttributes(status) : {};
    const list = current.get(SA.channelSkips);
    const skipsChanged =
      channelPairs.skips && JSON.stringify(list ?? []) !== JSON.stringify(channelPairs.skips);
    const channelChanged = channelPairs.channel && current.get(SA.channel) !== channelPairs.channel;
    if (changed.length > 0 || skipsChanged || channelChanged) {
      upsertSearchAttributes([
        ...changed,
        ...(channelChanged ? [{ key: SA.channel, value: channelPairs.channel! }] : []),
        ...(skipsChanged ? [{ key: SA.channelSkips, value: channelPairs.skips! }] : []),
      ]);
    }
    if (status === 'awaiting_action') this.sentAt ??= state.updatedAt;
    alertMetrics.transition({
      status,
      type: input.type,
      priority: input.priority,
      acceptedAt: input.acceptedAt,
      sentAt: this.sentAt,
      at: state.updatedAt,
    });
  }

  /** What a send saw of the agent. The agent is indexed (AlertAgent) with the next status change. */
  sawAgent(
    result: { agent?: ResolvedAgent; presence?: string; routingStatus?: string },
    withPresence = true,
  ): void {
    if (result.agent) this.state.agent = result.agent;
    if (!withPresence) return;
    this.state.presence = result.presence;
    this.state.routingStatus = result.routingStatus;
  }

  /** A desktop channel's try: its latest one replaces an earlier one of the same channel. */
  triedChannel(
    channel: DesktopChannel,
    outcome: 'delivered' | 'skipped',
    reason?: ChannelSkipReason,
    detail?: string,
  ): void {
    const attempt: ChannelAttempt = {
      channel,
      outcome,
      ...(reason ? { reason } : {}),
      ...(detail ? { detail } : {}),
      at: workflowNow(),
    };
    const channels = (this.state.channels ?? []).filter((c) => c.channel !== channel);
    this.state.channels = [...channels, attempt];
    if (outcome === 'delivered') this.state.desktopChannel = channel;
  }

  /** AlertChannel: the channel that delivered, or `none` once the desktop path is given up; AlertChannelSkips. */
  private channelAttributes(status: AlertStatus): { channel?: string; skips?: string[] } {
    const { state } = this;
    const skips = (state.channels ?? [])
      .filter((c) => c.outcome === 'skipped')
      .map((c) => `${c.channel}:${c.reason}`);
    const gaveUp = status === 'falling_back' || TERMINAL_STATUSES.includes(status);
    return {
      channel: state.desktopChannel ?? (gaveUp && state.channels ? 'none' : undefined),
      skips: skips.length > 0 ? skips : undefined,
    };
  }

  /** A desktop channel took the notification: its actions are awaited. */
  delivered(notificationId: string): void {
    this.state.notificationId = notificationId;
    this.setStatus('awaiting_action');
  }

  /** The run's last transition; it closes once every action is handed downstream and every handler is done. */
  async finish(status: AlertStatus, failureReason?: string): Promise<AlertState> {
    if (failureReason) this.state.failureReason = failureReason;
    this.setStatus(status);
    await this.beforeClose?.(status);
    await condition(() => this.forwardsInFlight === 0 && allHandlersFinished());
    log.info('alert finished', {
      alertId: this.input.alertId,
      correlationId: this.input.correlationId,
      status,
      failureReason,
    });
    return this.state;
  }

  // --- Handlers (registered by deliverAlert) ---

  /** The cancel signal: the first request wins; the steps end the run `cancelled` at their next look. */
  requestCancel(req: { reason?: string } | undefined): void {
    this.cancelRequested ??= req ?? {};
  }

  /** The agent action update's validator: refuses, before it is accepted, what can never be this alert's action. */
  checkAction(action: AgentAction): void {
    const { state } = this;
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
      throw ApplicationFailure.nonRetryable(`user ${action.userId} is not this alert's agent`, 'WrongAgent');
    }
    if (!this.callbackActionIds.has(action.actionId)) {
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
  }

  /**
   * The agent action update: records the action once (deduplicated by notificationId:actionId) and hands it
   * downstream in the background.
   */
  async takeAction(action: AgentAction): Promise<AgentActionResult> {
    const { state } = this;
    const key = `${action.notificationId}:${action.actionId}`;
    if (this.seenActions.has(key)) return { outcome: 'duplicate' as const };
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
        throw ApplicationFailure.nonRetryable('alert is cancelled: no action expected', 'NotAwaitingAction');
      }
      throw ApplicationFailure.nonRetryable(
        `alert is ${state.status}: its notification was never delivered (${state.desktopFailureReason ?? 'no send'}), so it takes no action`,
        'AlertNotDelivered',
      );
    }
    if (this.seenActions.has(key)) return { outcome: 'duplicate' as const };
    if (action.notificationId !== state.notificationId) {
      throw ApplicationFailure.nonRetryable(
        `notification ${action.notificationId} is not this alert's`,
        'UnknownNotification',
      );
    }
    this.seenActions.add(key);
    const recorded: RecordedAction = {
      actionId: action.actionId,
      userId: action.userId,
      notificationId: action.notificationId,
      clickedAt: action.timestamp,
      receivedAt: workflowNow(),
      downstream: 'pending',
    };
    state.actions.push(recorded);
    state.updatedAt = workflowNow();
    this.forwardsInFlight++;
    void this.forward(recorded, action.metadata).finally(() => this.forwardsInFlight--);
    return { outcome: 'applied' as const };
  }

  // --- Forward: an action downstream ---

  private async forward(recorded: RecordedAction, metadata?: Record<string, unknown>): Promise<void> {
    try {
      await this.forwardOnce(recorded, metadata);
    } catch (err) {
      if (isCancellation(err)) throw err;
      recorded.downstream = 'failed';
      this.state.updatedAt = workflowNow();
      log.error('downstream delivery failed', {
        alertId: this.input.alertId,
        correlationId: this.input.correlationId,
        actionId: recorded.actionId,
        error: failureMessage(err),
      });
    }
  }

  /** The hand-off's first try in this workflow task; failing that, the regular activity and its retries. */
  private async forwardLocalFirst(args: ForwardActionInput): Promise<ChannelResult> {
    try {
      return await this.downstream.downstreamFirstTry.forwardAction(args);
    } catch (err) {
      if (isCancellation(err)) throw err;
      log.warn('downstream first try failed; retrying as an activity', {
        alertId: args.alertId,
        correlationId: args.correlationId,
        error: failureMessage(err),
      });
      return this.downstream.downstream.forwardAction(args);
    }
  }

  private async forwardOnce(recorded: RecordedAction, metadata?: Record<string, unknown>): Promise<void> {
    const { input } = this;
    const args: ForwardActionInput = {
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
    };
    const r = isLean(input)
      ? await this.forwardLocalFirst(args)
      : await this.downstream.downstream.forwardAction(args);
    recorded.downstream = r.outcome === 'delivered' ? 'delivered' : 'not_configured';
    this.state.updatedAt = workflowNow();
  }
}

/** Revision 2 and later (ALERT_WORKFLOW_REVISION): fewer events per alert. Older runs keep their commands. */
export const isLean = (input: Pick<AlertInput, 'revision'>): boolean => (input.revision ?? 1) >= 2;

/** An activity's failure as one line: the cause's message, not "Activity task failed". */
export function failureMessage(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause) return failureMessage(err.cause);
  if (err instanceof Error) return err.message;
  return String(err);
}
