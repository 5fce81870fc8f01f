import type { ChannelAttempt, DesktopChannel } from './agent-app';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { AlertInput } from './schemas';

/**
 * Message definitions shared by the workflow, the ingress and the launcher. Importing
 * '@temporalio/workflow' for its define* helpers is safe outside workflows.
 */

/**
 * Every status a run takes (AlertState.status and the AlertStatus search attribute). Resolving the agent and
 * checking the session are part of `sending`: they run in the same activity as the send.
 */
export const ALERT_STATUSES = [
  'accepted',
  'sending',
  'awaiting_action',
  'waiting_for_agent',
  'falling_back',
  'actioned',
  'expired',
  'fallback_delivered',
  'failed',
  'cancelled',
] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

export const TERMINAL_STATUSES: readonly AlertStatus[] = [
  'actioned',
  'expired',
  'fallback_delivered',
  'failed',
  'cancelled',
];

/** An agent's click, as the callback route hands it to the workflow. */
export interface AgentAction {
  notificationId: string;
  userId: string;
  actionId: string;
  /** When the agent clicked (from the callback body). */
  timestamp: string;
  /** Echoed metadata from the callback (already signature-checked). */
  metadata?: Record<string, unknown>;
  /** webhook-id of the delivery, for tracing. */
  deliveryId?: string;
  correlationId?: string;
}

export interface AgentActionResult {
  /** 'applied' the first time, 'duplicate' for the same notificationId:actionId again. */
  outcome: 'applied' | 'duplicate';
}

export interface RecordedAction {
  actionId: string;
  userId: string;
  notificationId: string;
  clickedAt: string;
  receivedAt: string;
  downstream: 'pending' | 'delivered' | 'not_configured' | 'failed';
}

export interface FallbackRecord {
  channel: 'email' | 'webhook';
  outcome: 'delivered' | 'failed';
  at: string;
  detail?: string;
}

export interface AlertState {
  alertId: string;
  idempotencyKey: string;
  status: AlertStatus;
  type: AlertInput['type'];
  priority: AlertInput['priority'];
  target: AlertInput['target'];
  agent?: { userId: string; email?: string; name?: string };
  presence?: string;
  routingStatus?: string;
  notificationId?: string;
  expiresAt: string;
  actions: RecordedAction[];
  fallback: FallbackRecord[];
  /** Why the desktop path was not used or did not work. */
  desktopFailureReason?: string;
  /** Why the alert ended failed. */
  failureReason?: string;
  /** The desktop channel that delivered the alert (runs started with DESKTOP_CHANNELS in their input). */
  desktopChannel?: DesktopChannel;
  /** Each desktop channel's latest try, in the order tried: delivered, or skipped with the reason. */
  channels?: ChannelAttempt[];
  createdAt: string;
  updatedAt: string;
  source: string;
  correlationId: string;
}

export const agentActionUpdate = defineUpdate<AgentActionResult, [AgentAction]>('agentAction');
export const cancelSignal = defineSignal<[{ reason?: string }]>('cancel');
export const getStateQuery = defineQuery<AlertState>('getState');
