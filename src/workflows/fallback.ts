/**
 * Step 5, the fallback: when the desktop path fails or a required acknowledgement never comes, every channel of
 * the alert's fallback policy (email, webhook) at once, then the run's end. Also the end of a run whose input has
 * problems, which falls back where it can (refuseInput).
 */
import type { AlertState } from '../shared/messages';
import type { AlertActivities } from './activity-options';
import { failureMessage, workflowNow, type AlertRun } from './alert-run';

type FallbackActivities = AlertActivities['fallback'];

/** The desktop path failed, or a required acknowledgement never came: the alert's fallback policy, then the end. */
export function fallBack(run: AlertRun, fallback: FallbackActivities, reason: string): Promise<AlertState> {
  run.state.desktopFailureReason = reason;
  return runFallback(run, fallback, reason);
}

async function runFallback(run: AlertRun, fallback: FallbackActivities, reason: string): Promise<AlertState> {
  run.setStatus('falling_back');
  if (run.input.fallback.channels.length === 0) {
    return run.finish('failed', `${reason}; no fallback channel configured`);
  }
  if (await sendFallback(run, fallback, reason)) return run.finish('fallback_delivered', undefined);
  return run.finish('failed', `${reason}; every fallback channel failed`);
}

/**
 * An input with problems never reaches Genesys, and the alert ends `failed` (the input is a launcher's or a
 * caller's bug, to be found and fixed), with every problem in its reason. The fallback still goes out where it
 * can: when every part the fallback sends (whom, what, where: see FALLBACK_PARTS in ./input-check) is usable, if
 * wrong at all then only for Genesys, like a title over a toast's 250 UTF-16 units, which an email or a webhook
 * carries as it is. When one of those parts is itself broken (the fallback policy, a missing title or target, an
 * input that is no object at all), a fallback would send something wrong or go nowhere, so none is sent.
 */
export async function refuseInput(
  run: AlertRun,
  fallback: FallbackActivities,
  problems: string[],
  fallbackPossible: boolean,
): Promise<AlertState> {
  const reason = `invalid alert input: ${problems.join('; ')}`;
  run.state.desktopFailureReason = reason;
  if (!fallbackPossible)
    return run.finish('failed', `${reason}; no fallback: the parts of the input it needs are unusable`);
  run.setStatus('falling_back');
  if (run.input.fallback.channels.length === 0)
    return run.finish('failed', `${reason}; no fallback channel configured`);
  if (await sendFallback(run, fallback, reason)) {
    const sent = run.state.fallback.filter((f) => f.outcome === 'delivered').map((f) => f.channel);
    return run.finish('failed', `${reason}; sent by fallback instead (${sent.join(', ')})`);
  }
  return run.finish('failed', `${reason}; every fallback channel failed`);
}

/** Every channel of the alert's fallback policy, at once; true when at least one delivered. */
async function sendFallback(run: AlertRun, fallback: FallbackActivities, reason: string): Promise<boolean> {
  const { input, state } = run;
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
          at: workflowNow(),
          detail: r.detail,
        });
      } catch (err) {
        state.fallback.push({ channel, outcome: 'failed', at: workflowNow(), detail: failureMessage(err) });
      }
    }),
  );
  return state.fallback.some((f) => f.outcome === 'delivered');
}
