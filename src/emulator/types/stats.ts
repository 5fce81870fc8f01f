/** Counters returned by stats(). */
import type { NotificationStatus } from './notifications';

export interface EmulatorStats {
  startedAt: string;
  requests: {
    total: number;
    byStatus: Record<string, number>;
    byRoute: Record<string, { total: number; byStatus: Record<string, number> }>;
  };
  tokens: { issued: number; rejected: number; active: number };
  rateLimited: number;
  faultsInjected: number;
  notifications: {
    created: number;
    duplicatesSuppressed: number;
    withoutIdempotencyKey: number;
    bodyMismatches: number;
    presenceFlips: number;
    evicted: number;
    byStatus: Record<NotificationStatus, number>;
  };
  callbacks: {
    messages: number;
    attempts: number;
    pending: number;
    delivered: number;
    rejected: number;
    failed: number;
  };
}
