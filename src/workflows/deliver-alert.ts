/**
 * The alert workflow: one alert, end to end, as the guide's steps. Resolve the agent, check the session and send
 * (one Genesys activity, so the check is right before the send), wait for the agent's action or the expiry, hand
 * each action downstream, fall back when the desktop path fails or a required acknowledgement never comes.
 * The run's state, transitions and handlers are in ./alert-run.ts, the fallback in ./fallback.ts, the activities'
 * options in ./activity-options.ts.
 */
import { context as traceContext } from '@opentelemetry/api';
import { condition, setHandler, workflowInfo } from '@temporalio/workflow';
import { agentActionUpdate, cancelSignal, getStateQuery, type AlertState } from '../shared/messages';
import type { AlertInput } from '../shared/schemas';
import { alertActivities } from './activity-options';
import { AlertRun, isLean, workflowNow } from './alert-run';
import { untilOrLapsed } from './until-or-lapsed';
import { sendThroughChannels } from './desktop-channels';
import { fallBack, refuseInput } from './fallback';
import { checkInput } from './input-check';

/** One alert, end to end: the steps below are the guide's. */
export async function deliverAlert(rawInput: AlertInput): Promise<AlertState> {
  // A run never fails on its input (that left a bare "workflow failed" and no fallback): with problems it ends
  // `failed`, naming them, after its fallback where it can (refuseInput). Until then `input` holds neutral values
  // for the parts that are unusable, so the state can be built and queried.
  const checked = checkInput(rawInput, workflowInfo().workflowId, workflowNow());
  const input = checked.input;
  const activities = alertActivities(input);
  const run = new AlertRun(input, activities);

  // Handlers first, so no message that arrives early is lost. Their logic is the run's.
  setHandler(getStateQuery, () => run.state);
  setHandler(cancelSignal, (req) => run.requestCancel(req));
  // An action's hand-off downstream belongs to the alert's trace (issue 16): the update handler runs in the trace of
  // whoever applied the click, so the hand-off it starts is put back in the run's own context (its RunWorkflow span
  // when the worker traces; the API's empty context, a no-op, when not). Only the activity's trace header changes.
  const alertTrace = traceContext.active();
  setHandler(agentActionUpdate, (action) => traceContext.with(alertTrace, () => run.takeAction(action)), {
    validator: (action) => run.checkAction(action),
  });

  if (checked.problems.length > 0) {
    return refuseInput(run, activities.fallback, checked.problems, checked.fallbackPossible);
  }

  // 1-3. Resolve the agent, check the session, send, through the desktop channels in order; again while the agent
  // is away, if the policy says to wait.
  const desktop = await sendThroughChannels(
    run,
    activities,
    input.desktopChannels ?? ['notifications-endpoint'],
  );
  if (run.cancelRequested) return run.finish('cancelled');
  if (!desktop.sent) return fallBack(run, activities.fallback, desktop.reason);
  run.delivered(desktop.notificationId);

  // 4. Wait for the agent's action or the expiry, whichever comes first (a durable timer). Each action is handed
  // downstream as it arrives (run.takeAction); the run finishes only once every hand-off is done.
  const remaining = run.expiresAtMs - Date.now();
  const actedOrCancelled = () => run.state.actions.length > 0 || run.cancelRequested !== undefined;
  const acted =
    remaining > 0 &&
    (await (isLean(input)
      ? untilOrLapsed(actedOrCancelled, remaining)
      : condition(actedOrCancelled, remaining)));
  if (run.state.actions.length > 0) return run.finish('actioned');
  if (acted && run.cancelRequested) return run.finish('cancelled');

  // 5. Fall back when a required acknowledgement never came.
  if (input.policy.requireAck) return fallBack(run, activities.fallback, 'expired without acknowledgement');
  return run.finish('expired');
}
