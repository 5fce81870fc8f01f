/** Desktop notifications as the control API shows them, and the agent's clicks on them. */
import type { CallbackDelivery } from './callbacks';

export type NotificationStatus = 'queued' | 'shown' | 'actioned' | 'expired' | 'failed';

export interface NotificationAction {
  id?: string;
  label: string;
  actionType: 'openUrl' | 'callback';
  url?: string;
  callbackUrl?: string;
  metadata?: unknown;
}

export interface NotificationClick {
  actionId: string;
  index: number;
  at: string;
  /** Callback message id (webhook-id) for callback actions. */
  deliveryId: string | null;
}

export interface EmulatorNotification {
  id: string;
  userId: string;
  clientId: string | null;
  idempotencyKey: string | null;
  /** How many times this idempotencyKey was POSTed (1 = no replay). */
  posts: number;
  /** Replays whose body differed from the original one. */
  bodyMismatches: number;
  title: string;
  message: string;
  type: 'info' | 'warning' | 'error';
  actions: NotificationAction[];
  expiresAt: string | null;
  /** min(expiresAt, createdAt + 24 h). */
  effectiveExpiresAt: string;
  createdAt: string;
  status: NotificationStatus;
  /** False when the agent had no desktop session (Offline or inactive): never shown, silently expires. */
  deliverable: boolean;
  shownAt: string | null;
  actionedAt: string | null;
  clicks: NotificationClick[];
}

export interface NotificationFilter {
  userId?: string;
  idempotencyKey?: string;
  status?: NotificationStatus;
}

export interface ClickInput {
  actionId?: string;
  index?: number;
}

export interface ClickResult {
  notificationId: string;
  actionId: string;
  index: number;
  actionType: 'openUrl' | 'callback';
  /** The callback message, for callback actions. */
  delivery: CallbackDelivery | null;
}
