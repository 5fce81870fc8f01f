/** Inputs and results of the activities, shared with the workflow as types only. */
import type { AlertInput } from '../shared/schemas';

export interface DeliverToDesktopInput {
  alertId: string;
  idempotencyKey: string;
  correlationId: string;
  target: AlertInput['target'];
  title: string;
  message: string;
  type: AlertInput['type'];
  /** The alert's actions as given: the send adds their ids and routing metadata (./notification-actions.ts). */
  actions: AlertInput['actions'];
  expiresAt: string;
  callbackUrl: string;
  operationalPresences: string[];
  /** Skip the offline breaker and any cached presence (used when waiting for an agent to come back). */
  fresh?: boolean;
}

export interface ResolvedAgent {
  userId: string;
  email?: string;
  name?: string;
}

/** Why the desktop path was not taken or did not work. */
export type DesktopSkipReason =
  | 'agent_not_found' // no active user with that email, or the user id is unknown (also a send's "404 user unknown")
  | 'agent_ambiguous' // several active users share the email
  | 'agent_inactive' // the user exists but is inactive or deleted
  | 'logged_out' // presence Offline
  | 'outside_operational_window' // presence not allowed for this alert type
  | 'breaker_open' // agent seen offline in the last 300 s
  | 'session_changed'; // 409 from the send: the agent logged out or switched device

export type DeliverToDesktopResult =
  | {
      outcome: 'sent';
      agent: ResolvedAgent;
      notificationId: string;
      presence?: string;
      routingStatus?: string;
    }
  | {
      outcome: 'skipped';
      reason: DesktopSkipReason;
      detail: string;
      agent?: ResolvedAgent;
      presence?: string;
      routingStatus?: string;
    };

export interface ForwardActionInput {
  alertId: string;
  correlationId: string;
  action: {
    actionId: string;
    userId: string;
    notificationId: string;
    clickedAt: string;
    receivedAt: string;
    metadata?: Record<string, unknown>;
  };
  alert: { type: string; priority: string; title: string; source: string; metadata: Record<string, string> };
}

export interface FallbackInput {
  alertId: string;
  correlationId: string;
  reason: string;
  title: string;
  message: string;
  type: string;
  priority: string;
  expiresAt: string;
  source: string;
  metadata: Record<string, string>;
  agent?: ResolvedAgent;
  target: AlertInput['target'];
  /** Email recipient from the alert's fallback policy. */
  email?: string;
  actions: AlertInput['actions'];
}

export type ChannelResult =
  { outcome: 'delivered'; detail?: string } | { outcome: 'not_configured'; detail: string };
