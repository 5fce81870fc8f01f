/**
 * The activities an ingress node runs on its own task queue (agentAppNodeQueue): they reach the live connections
 * this node holds. The workflow schedules them with a short schedule-to-start time-out, so a node that died turns
 * into `no_live_session` within seconds and the alert goes on to the next channel. A node that hangs or is cut off
 * without its sockets closing still has a poll waiting at the server, which takes the push: the push heartbeats
 * while it waits for the receipt, so the workflow's heartbeat time-out notices that within seconds too.
 */
import { Context } from '@temporalio/activity';
import { withClientSpan } from '../client-span';
import { notificationActionId } from '../shared/constants';
import type { AgentAppPushInput, AgentAppPushResult, AgentAppWithdrawInput } from '../shared/agent-app';
import type { ConnectionHub } from './hub';
import { notificationIdFor } from './notification-id';

/** How long a push waits for a display receipt before it says `no_live_session`. */
export const DISPLAY_RECEIPT_TIMEOUT_MS = 5_000;
/** How often a waiting push heartbeats (the workflow's heartbeat time-out for it is 3 s). */
export const PUSH_HEARTBEAT_MS = 1_000;

export function createNodeActivities(deps: {
  hub: ConnectionHub;
  notificationKey: Buffer;
  receiptTimeoutMs?: number;
}) {
  const { hub } = deps;
  return {
    async pushToAgentApp(input: AgentAppPushInput): Promise<AgentAppPushResult> {
      const beat = heartbeatWhileWaiting();
      try {
        return await push(input);
      } finally {
        clearInterval(beat);
      }
    },

    async withdrawFromAgentApp(input: AgentAppWithdrawInput): Promise<{ connections: number }> {
      return { connections: hub.withdraw(input.userId, input.notificationId, input.reason) };
    },
  };

  async function push(input: AgentAppPushInput): Promise<AgentAppPushResult> {
    const notificationId = notificationIdFor(deps.notificationKey, input.alertId, input.userId);
    // A span for the push over the agent's live connections, until the display receipt (or its time-out).
    const shown = await withClientSpan(
      'agent-app push',
      { 'agent_app.node': hub.nodeId },
      async (_headers, span) => {
        const r = await hub.push(
          {
            notificationId,
            alertId: input.alertId,
            correlationId: input.correlationId,
            userId: input.userId,
            title: input.title,
            message: input.message,
            type: input.type,
            priority: input.priority,
            actions: input.actions.map((a, i) => ({
              id: notificationActionId(a, i),
              label: a.label,
              actionType: a.actionType,
              ...(a.actionType === 'openUrl' ? { url: a.url } : {}),
            })),
            expiresAt: input.expiresAt,
          },
          deps.receiptTimeoutMs ?? DISPLAY_RECEIPT_TIMEOUT_MS,
        );
        span.setAttribute('agent_app.displayed', Boolean(r));
        return r;
      },
    );
    if (!shown) {
      return {
        outcome: 'no_live_session',
        detail:
          hub.connectionCount(input.userId) === 0
            ? `no live connection of the agent on node ${hub.nodeId}`
            : `no display receipt within ${(deps.receiptTimeoutMs ?? DISPLAY_RECEIPT_TIMEOUT_MS) / 1000} s on node ${hub.nodeId}`,
      };
    }
    return {
      outcome: 'displayed',
      notificationId,
      connections: shown.connections,
      displayedAt: shown.displayedAt,
    };
  }
}

/** Heartbeats now and every PUSH_HEARTBEAT_MS, when called inside an activity (unit tests call it outside). */
function heartbeatWhileWaiting(): NodeJS.Timeout | undefined {
  let ctx: Context;
  try {
    ctx = Context.current();
  } catch {
    return undefined;
  }
  ctx.heartbeat();
  return setInterval(() => ctx.heartbeat(), PUSH_HEARTBEAT_MS);
}

export type NodeActivities = ReturnType<typeof createNodeActivities>;
