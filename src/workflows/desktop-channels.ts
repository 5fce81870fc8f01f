/**
 * Steps 1-3 of the alert (resolve, check the session, send) through the desktop channels, in the order of the
 * run's DESKTOP_CHANNELS: the agent app (a push to the agent's live connections, shown once a display receipt
 * comes) and the notifications endpoint (the guide's REST call, one Genesys activity so the session check is right
 * before the send). The first channel that delivers wins; each skip is recorded with its reason. While the agent is
 * away and the alert's policy says to wait for them, the run waits durably (`waiting_for_agent`) and tries every
 * channel again, fresh, each recheck interval until the alert expires or is cancelled.
 *
 * Workflow code: deterministic. A run started without channels in its input runs the notifications endpoint alone,
 * with the very commands it made before channels existed (test/workflow/replay.test.ts).
 */
import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  isCancellation,
  workflowInfo,
} from '@temporalio/workflow';
import type { DeliverToDesktopResult, DesktopSkipReason } from '../activities/types';
import {
  agentAppRegistryId,
  type AgentAppPushResult,
  type ChannelSkipReason,
  type DesktopChannel,
  type WithdrawReason,
} from '../shared/agent-app';
import type { AlertStatus } from '../shared/messages';
import type { AlertActivities } from './activity-options';
import { failureMessage, type AlertRun } from './alert-run';

/** How often an offline agent is looked at again when the policy says to wait for them (default). */
const AGENT_RECHECK_SECONDS = 60;

/** Skip reasons that mean the agent is away for now, not unreachable: worth waiting for when the policy says so. */
const AGENT_AWAY: readonly ChannelSkipReason[] = ['logged_out', 'outside_operational_window', 'breaker_open'];

/** What the desktop path came to. After a cancel the caller ends the run `cancelled`, whatever this says. */
export type DesktopOutcome = { sent: true; notificationId: string } | { sent: false; reason: string };

type ChannelOutcome =
  | { sent: true; notificationId: string }
  | { sent: false; reason: ChannelSkipReason; detail: string; text: string };

export async function sendThroughChannels(
  run: AlertRun,
  activities: AlertActivities,
  channels: readonly DesktopChannel[],
): Promise<DesktopOutcome> {
  const { input } = run;
  run.setStatus('sending');
  // Once the agent was seen away, that skip stays the reason given, even when a later try fails outright.
  let away: Extract<ChannelOutcome, { sent: false }> | undefined;
  for (let first = true; ; first = false) {
    if (run.cancelRequested) return { sent: false, reason: 'cancelled' };
    const skipped: Array<{ channel: DesktopChannel; outcome: Extract<ChannelOutcome, { sent: false }> }> = [];
    let awayNow = false;
    for (const channel of channels) {
      if (run.cancelRequested) return { sent: false, reason: 'cancelled' };
      const r =
        channel === 'agent-app'
          ? await tryAgentApp(run, activities)
          : await tryNotificationsEndpoint(run, activities, !first);
      if (r.sent) {
        run.triedChannel(channel, 'delivered');
        return r;
      }
      run.triedChannel(channel, 'skipped', r.reason, r.detail);
      skipped.push({ channel, outcome: r });
      if (AGENT_AWAY.includes(r.reason)) {
        away = r;
        awayNow = true;
      }
    }
    const notSent = (): DesktopOutcome => ({
      sent: false,
      reason: reasonText(away ? [{ ...skipped[0]!, outcome: away }] : skipped),
    });
    if (!(awayNow && input.policy.waitForAgent)) return notSent();
    // Wait durably for the agent to come back (or the alert to expire, or a cancel).
    run.setStatus('waiting_for_agent');
    const remaining = run.expiresAtMs - Date.now();
    if (remaining <= 0) return notSent();
    await condition(
      () => run.cancelRequested !== undefined,
      Math.min((input.policy.recheckIntervalSeconds ?? AGENT_RECHECK_SECONDS) * 1000, remaining),
    );
    if (Date.now() >= run.expiresAtMs) return notSent();
    run.setStatus('sending');
  }
}

/** One channel: its reason as before channels existed; several: each named. */
function reasonText(skipped: Array<{ channel: DesktopChannel; outcome: { text: string } }>): string {
  if (skipped.length === 1) return skipped[0]!.outcome.text;
  return skipped.map((s) => `${s.channel}: ${s.outcome.text}`).join('; ');
}

// --- The notifications endpoint (the guide's REST channel) ---

async function tryNotificationsEndpoint(
  run: AlertRun,
  activities: AlertActivities,
  fresh: boolean,
): Promise<ChannelOutcome> {
  const { input } = run;
  let result: DeliverToDesktopResult;
  try {
    result = await activities.genesys().deliverToDesktop({
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
      fresh,
    });
  } catch (err) {
    if (isCancellation(err)) throw err;
    const message = failureMessage(err);
    const reason: ChannelSkipReason =
      failureType(err) === 'Genesys_endpoint_missing' ? 'endpoint_missing' : 'delivery_failed';
    return { sent: false, reason, detail: message, text: `desktop delivery failed: ${message}` };
  }
  run.sawAgent(result);
  if (result.outcome === 'sent') return { sent: true, notificationId: result.notificationId };
  const reason: DesktopSkipReason = result.reason;
  return { sent: false, reason, detail: result.detail, text: `${reason}: ${result.detail}` };
}

function failureType(err: unknown): string | undefined {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined;
}

// --- The agent app ---

async function tryAgentApp(run: AlertRun, activities: AlertActivities): Promise<ChannelOutcome> {
  const { input } = run;
  const noSession = (detail: string): ChannelOutcome => ({
    sent: false,
    reason: 'no_live_session',
    detail,
    text: `no_live_session: ${detail}`,
  });
  let located;
  try {
    located = await activities.locate.locateAgentApp({
      registryId: agentAppRegistryId(workflowInfo().taskQueue),
      ...('userId' in input.target ? { userId: input.target.userId } : { email: input.target.email }),
    });
  } catch (err) {
    if (isCancellation(err)) throw err;
    return noSession(`the registry of live connections could not be read: ${failureMessage(err)}`);
  }
  if (!located) return noSession('the agent has no live connection to the agent app');
  // A live app means a signed-in agent: the registry knows who they are, and no Genesys call is spent.
  run.sawAgent({ agent: located.agent }, false);
  const push = {
    alertId: input.alertId,
    correlationId: input.correlationId,
    userId: located.agent.userId,
    title: input.title,
    message: input.message,
    type: input.type,
    priority: input.priority,
    actions: input.actions,
    expiresAt: input.expiresAt,
  };
  const shown = await firstDisplayed(
    located.nodes.map((n) =>
      activities
        .agentAppNode(n.nodeId)
        .pushToAgentApp(push)
        .then((r) => ({ nodeId: n.nodeId, r }))
        .catch((err: unknown) => {
          if (isCancellation(err)) throw err;
          return {
            nodeId: n.nodeId,
            r: { outcome: 'no_live_session' as const, detail: `node ${n.nodeId}: ${failureMessage(err)}` },
          };
        }),
    ),
  );
  if (shown.displayed) {
    const { notificationId } = shown.displayed.r as Extract<AgentAppPushResult, { outcome: 'displayed' }>;
    // Every node it was pushed to may hold it (withdraw is cheap, and a no-op where the agent is not connected).
    const nodes = located.nodes.map((n) => n.nodeId);
    const userId = located.agent.userId;
    // Once the alert is handled, expires or is cancelled, every connection of the agent is told to drop it.
    run.beforeClose = async (status) => {
      const reason = withdrawReason(status);
      await Promise.all(
        nodes.map((nodeId) =>
          activities
            .agentAppNode(nodeId)
            .withdrawFromAgentApp({ userId, notificationId, reason })
            .catch((err: unknown) => {
              if (isCancellation(err)) throw err;
              // A node gone since: its connections went with it. The app also drops expired alerts itself.
            }),
        ),
      );
    };
    return { sent: true, notificationId };
  }
  return noSession(shown.details.join('; ') || 'no node showed the alert');
}

type PushOutcome = { nodeId: string; r: AgentAppPushResult };

/** The first push that displayed (the others may still finish; their results are not needed), or every detail. */
function firstDisplayed(
  pushes: Array<Promise<PushOutcome>>,
): Promise<{ displayed?: PushOutcome; details: string[] }> {
  return new Promise((resolve, reject) => {
    const details: string[] = [];
    let pending = pushes.length;
    if (pending === 0) resolve({ details });
    for (const p of pushes) {
      p.then((o) => {
        pending--;
        if (o.r.outcome === 'displayed') resolve({ displayed: o, details });
        else details.push(o.r.detail);
        if (pending === 0) resolve({ details });
      }, reject);
    }
  });
}

function withdrawReason(status: AlertStatus): WithdrawReason {
  if (status === 'actioned') return 'handled';
  if (status === 'cancelled') return 'cancelled';
  return 'expired';
}
