/**
 * The baseline: the integration guide followed literally, as a separate workflow registered under the same
 * type name so the same ingress can start it. Per alert: one activity that looks the agent up (no cache,
 * no batching), checks the session and sends. No priority (FIFO), no fairness, activities on the
 * workflow's own queue (no server-side cap): the guide's in-process token bucket is the only limit.
 * It answers the same query and update as the real workflow, so callbacks and state checks work on it.
 */
import { ApplicationFailure, condition, proxyActivities, setHandler } from '@temporalio/workflow';
import {
  agentActionUpdate,
  getStateQuery,
  type AgentAction,
  type AlertState,
} from '../../src/shared/messages';
import type { AlertInput } from '../../src/shared/schemas';
import type { BaselineActivities } from './activities';

export async function deliverAlert(input: AlertInput): Promise<AlertState> {
  const acts = proxyActivities<BaselineActivities>({
    startToCloseTimeout: '30s',
    // Through the queue like every other task (FIFO): an eagerly dispatched activity skips the queue, and
    // with it the backlog the priority scenario builds.
    allowEagerDispatch: false,
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '60s', maximumAttempts: 20 },
  });
  const state: AlertState = {
    alertId: input.alertId,
    idempotencyKey: input.idempotencyKey,
    status: 'sending',
    type: input.type,
    priority: input.priority,
    target: input.target,
    expiresAt: input.expiresAt,
    actions: [],
    fallback: [],
    createdAt: input.acceptedAt,
    updatedAt: input.acceptedAt,
    source: input.source,
    correlationId: input.correlationId,
  };
  const seen = new Set<string>();
  setHandler(getStateQuery, () => state);
  setHandler(agentActionUpdate, async (a: AgentAction) => {
    const key = `${a.notificationId}:${a.actionId}`;
    if (seen.has(key)) return { outcome: 'duplicate' as const };
    await condition(() => state.notificationId !== undefined);
    if (a.notificationId !== state.notificationId)
      throw ApplicationFailure.nonRetryable('unknown notification', 'UnknownNotification');
    seen.add(key);
    state.actions.push({
      actionId: a.actionId,
      userId: a.userId,
      notificationId: a.notificationId,
      clickedAt: a.timestamp,
      receivedAt: new Date().toISOString(),
      downstream: 'not_configured',
    });
    return { outcome: 'applied' as const };
  });
  const r = await acts.baselineDeliver({
    target: input.target,
    title: input.title,
    message: input.message,
    type: input.type,
    idempotencyKey: input.idempotencyKey,
    expiresAt: input.expiresAt,
    callbackUrl: input.callbackUrl,
    actions: input.actions.map((a, i) =>
      a.actionType === 'openUrl'
        ? { id: a.id ?? String(i), label: a.label, actionType: 'openUrl' as const, url: a.url }
        : {
            id: a.id ?? String(i),
            label: a.label,
            actionType: 'callback' as const,
            metadata: { ...(a.metadata ?? {}), desktopAlertId: input.alertId } as Record<string, string>,
          },
    ),
  });
  if (!r.notificationId) {
    state.status = 'failed';
    state.failureReason = r.skipped;
    return state;
  }
  state.notificationId = r.notificationId;
  state.status = 'awaiting_action';
  const acted = await condition(
    () => state.actions.length > 0,
    Math.max(1_000, Date.parse(input.expiresAt) - Date.now()),
  );
  state.status = acted ? 'actioned' : 'expired';
  return state;
}
