/** Counters returned by stats(). */
import type { NotificationStatus } from './notifications';

export interface EmulatorStats {
  startedAt: string;
  requests: {
    total: number;
    byStatus: Record<string, number>;
    byRoute: Record<string, { total: number; byStatus: Record<string, number> }>;
  };
  tokens: {
    /** Access tokens issued, by either grant. */
    issued: number;
    /** API calls refused for a missing, unknown, expired or revoked token. */
    rejected: number;
    active: number;
    /** Authorization codes issued by GET /oauth/authorize. */
    authorizations: number;
    /** Codes exchanged for a user token. */
    codeExchanges: number;
    /** authorization_code grants refused (invalid_grant). */
    codesRejected: number;
  };
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
