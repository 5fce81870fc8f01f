import { ApplicationFailure } from '@temporalio/common';
import { normalisePresence } from '../../src/genesys/presence';
import { GenesysApiError, type GenesysClient } from '../../src/genesys/types';

export interface BaselineDeliverInput {
  target: { userId: string } | { email: string };
  title: string;
  message: string;
  type: 'info' | 'warning' | 'error';
  idempotencyKey: string;
  expiresAt: string;
  callbackUrl: string;
  actions: Array<
    | { id: string; label: string; actionType: 'openUrl'; url: string }
    | { id: string; label: string; actionType: 'callback'; metadata: Record<string, string> }
  >;
}

/** The guide's token bucket: `perSecond` tokens a second, a second's worth of burst, in this process only. */
export class TokenBucket {
  private tokens: number;
  private last = Date.now();
  private queue: Promise<void> = Promise.resolve();
  constructor(private readonly perSecond: number) {
    this.tokens = perSecond;
  }
  take(): Promise<void> {
    if (this.perSecond <= 0) return Promise.resolve();
    const next = this.queue.then(async () => {
      for (;;) {
        const now = Date.now();
        this.tokens = Math.min(this.perSecond, this.tokens + ((now - this.last) / 1000) * this.perSecond);
        this.last = now;
        if (this.tokens >= 1) {
          this.tokens -= 1;
          return;
        }
        await new Promise((r) => setTimeout(r, ((1 - this.tokens) / this.perSecond) * 1000));
      }
    });
    this.queue = next;
    return next;
  }
}

/** Per alert: look the agent up (search by email, then the pre-flight GET user), check the session, POST. */
export function createBaselineActivities(genesys: GenesysClient, bucket: TokenBucket) {
  const call = async <T>(fn: () => Promise<T>): Promise<T> => {
    await bucket.take();
    try {
      return await fn();
    } catch (err) {
      if (err instanceof GenesysApiError && err.kind === 'rate_limited') {
        throw ApplicationFailure.create({
          message: err.message,
          type: 'GenesysRateLimited',
          nextRetryDelay: `${Math.max(1, err.retryAfterSeconds ?? 1)}s`,
        });
      }
      if (err instanceof GenesysApiError && !err.retryable)
        throw ApplicationFailure.nonRetryable(err.message, `Genesys_${err.kind}`);
      throw err;
    }
  };
  return {
    async baselineDeliver(
      input: BaselineDeliverInput,
    ): Promise<{ notificationId?: string; skipped?: string }> {
      let userId: string;
      if ('userId' in input.target) userId = input.target.userId;
      else {
        const email = input.target.email;
        const users = await call(() => genesys.searchUsersByEmail([email]));
        const u = users.find((x) => x.state === 'active');
        if (!u) return { skipped: 'agent_not_found' };
        userId = u.id;
      }
      const user = await call(() => genesys.getUser(userId));
      if (normalisePresence(user) === 'offline') return { skipped: 'logged_out' };
      const n = await call(() =>
        genesys.createNotification({
          userId,
          title: input.title,
          message: input.message,
          type: input.type,
          idempotencyKey: input.idempotencyKey,
          expiresAt: input.expiresAt,
          actions: input.actions.map((a) =>
            a.actionType === 'openUrl' ? a : { ...a, callbackUrl: input.callbackUrl },
          ),
        }),
      );
      return { notificationId: n.id };
    },
  };
}

export type BaselineActivities = ReturnType<typeof createBaselineActivities>;
