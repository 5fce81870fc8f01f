/**
 * The alert workflow: one alert, end to end, as the guide's steps. Resolve the agent, check the session and send
 * (one Genesys activity, so the check is right before the send), wait for the agent's action or the expiry, hand
 * each action downstream, fall back when the desktop path fails or a required acknowledgement never comes.
 * The run's state, transitions and handlers are in ./alert-run.ts, the fallback in ./fallback.ts, the activities'
 * options in ./activity-options.ts.
 */
import { condition, isCancellation, setHandler, workflowInfo } from '@temporalio/workflow';
import type { DeliverToDesktopResult, DesktopSkipReason } from '../activities/types';
import { agentActionUpdate, cancelSignal, getStateQuery, type AlertState } from '../shared/messages';
import type { AlertInput } from '../shared/schemas';
import { alertActivities, type AlertActivities } from './activity-options';
import { AlertRun, failureMessage, workflowNow } from './alert-run';
import { fallBack, refuseInput } from './fallback';
import { checkInput } from './input-check';

/** How often an offline agent is looked at again when the policy says to wait for them (default). */
const AGENT_RECHECK_SECONDS = 60;

/** Skip reasons that mean the agent is away for now, not unreachable: worth waiting for when the policy says so. */
const AGENT_AWAY: readonly DesktopSkipReason[] = ['logged_out', 'outside_operational_window', 'breaker_open'];

/** One alert, end to end: the steps below are the guide's. */
export async function deliverAlert(rawInput: AlertInput): Promise<AlertState> {
  // A run never fails on its input (that left a bare "workflow failed" and no fallback): with problems it ends
  // `failed`, naming them, after its fallback where it can (refuseInput). Until then `input` holds neutral values
  // for the parts that are unusable, so the state can be built and queried.
  const checked = checkInput(rawInput, workflowInfo().workflowId, workflowNow());
  const input = checked.input;
  const activities = alertActivities(input);
  const run = new AlertRun(input, activities.downstream);

  // Handlers first, so no message that arrives early is lost. Their logic is the run's.
  setHandler(getStateQuery, () => run.state);
  setHandler(cancelSignal, (req) => run.requestCancel(req));
  setHandler(agentActionUpdate, (action) => run.takeAction(action), {
    validator: (action) => run.checkAction(action),
  });

  if (checked.problems.length > 0) {
    return refuseInput(run, activities.fallback, checked.problems, checked.fallbackPossible);
  }

  // 1-3. Resolve the agent, check the session, send; again while the agent is away, if the policy says to wait.
  const desktop = await sendToDesktop(run, activities);
  if (run.cancelRequested) return run.finish('cancelled');
  if (!desktop.sent) return fallBack(run, activities.fallback, desktop.reason);
  run.delivered(desktop.notificationId);

  // 4. Wait for the agent's action or the expiry, whichever comes first (a durable timer). Each action is handed
  // downstream as it arrives (run.takeAction); the run finishes only once every hand-off is done.
  const remaining = run.expiresAtMs - Date.now();
  const acted =
    remaining > 0 &&
    (await condition(() => run.state.actions.length > 0 || run.cancelRequested !== undefined, remaining));
  if (run.state.actions.length > 0) return run.finish('actioned');
  if (acted && run.cancelRequested) return run.finish('cancelled');

  // 5. Fall back when a required acknowledgement never came.
  if (input.policy.requireAck) return fallBack(run, activities.fallback, 'expired without acknowledgement');
  return run.finish('expired');
}

/** What the desktop path came to. After a cancel the caller ends the run `cancelled`, whatever this says. */
type DesktopOutcome = { sent: true; notificationId: string } | { sent: false; reason: string };

/**
 * Steps 1-3 in one activity, so the session check is right before the send. While the agent is away and the
 * alert's policy says to wait for them, the run waits durably (`waiting_for_agent`) and tries again, fresh, every
 * recheck interval until the alert expires or is cancelled.
 */
async function sendToDesktop(run: AlertRun, activities: AlertActivities): Promise<DesktopOutcome> {
  const { input } = run;
  run.setStatus('sending');
  // The last try's skip. Once the agent was seen away, that skip stays the reason given, even when a later try
  // fails outright (the activity logs that failure).
  let skipped: Extract<DeliverToDesktopResult, { outcome: 'skipped' }> | undefined;
  const notSent = (): DesktopOutcome => ({ sent: false, reason: `${skipped!.reason}: ${skipped!.detail}` });
  for (let first = true; ; first = false) {
    if (run.cancelRequested) return { sent: false, reason: 'cancelled' };
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
        fresh: !first,
      });
    } catch (err) {
      if (isCancellation(err)) throw err;
      return skipped ? notSent() : { sent: false, reason: `desktop delivery failed: ${failureMessage(err)}` };
    }
    run.sawAgent(result);
    if (result.outcome === 'sent') return { sent: true, notificationId: result.notificationId };
    skipped = result;
    if (!(AGENT_AWAY.includes(result.reason) && input.policy.waitForAgent)) return notSent();
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
