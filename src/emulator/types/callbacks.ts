/** Callback messages (one per callback click) and their delivery attempts. */

export type CallbackDeliveryStatus = 'pending' | 'delivered' | 'rejected' | 'failed';

export interface CallbackAttempt {
  attempt: number;
  /** ms epoch when the attempt started. */
  at: number;
  /** webhook-timestamp sent with this attempt (unix seconds). */
  webhookTimestamp: number;
  status: number | null;
  /** 'timeout' | 'connection: <message>' when no status. */
  error: string | null;
  latencyMs: number;
}

export interface CallbackDelivery {
  /** The webhook-id: unique per callback message, the same across its retries. */
  id: string;
  notificationId: string;
  userId: string;
  actionId: string;
  url: string;
  body: string;
  signed: boolean;
  status: CallbackDeliveryStatus;
  createdAt: number;
  completedAt: number | null;
  attempts: CallbackAttempt[];
}

export interface CallbackFilter {
  notificationId?: string;
  status?: CallbackDeliveryStatus;
}
