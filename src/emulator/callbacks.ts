/**
 * Callback messages: Standard Webhooks signing, and the dispatcher that POSTs each message to its
 * receiver with the platform's time-out and retry schedule and keeps the delivery records.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { Agent, request } from 'undici';
import type { CallbackDelivery, CallbackFilter, EmulatorLogger } from './types';
import { EmulatorControlError } from './types';
import { TimerSet } from './time';

/** Retry delays after a failed attempt, in seconds (before timeScale). */
export const RETRY_DELAYS_S = [5, 30, 120];
/** How long the platform waits for the receiver's answer, in seconds (before timeScale). */
export const CALLBACK_TIMEOUT_S = 5;

/** Decodes a Standard Webhooks secret: 'whsec_<base64>' (the prefix is optional). */
export function decodeSigningSecret(secret: string): Buffer {
  const raw = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(raw))
    throw new RangeError('callbackSigningSecret must be whsec_<base64>');
  const bytes = Buffer.from(raw, 'base64');
  if (bytes.length === 0) throw new RangeError('callbackSigningSecret must be whsec_<base64>');
  return bytes;
}

/** v1 signature of the Standard Webhooks scheme. */
export function signWebhook(secret: Buffer, id: string, timestamp: number, body: string): string {
  return `v1,${createHmac('sha256', secret).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

interface DispatcherSettings {
  signingSecret: Buffer | null;
  timeScale: number;
  /** Overrides CALLBACK_TIMEOUT_S × timeScale when not null (seconds, not scaled). */
  callbackTimeoutSeconds: number | null;
}

export interface CallbackEvents {
  /** A message ended 'failed' after its last retry. */
  onFailed(delivery: CallbackDelivery): void;
  /** A message was created, attempted or finished (the live desktop page shows it). */
  onChange?(delivery: CallbackDelivery): void;
}

/**
 * Sends callback messages to receivers, with the platform's time-out and retry schedule.
 * In-flight requests and retry timers are all owned here and cancelled by close().
 */
export class CallbackDispatcher {
  private deliveries = new Map<string, CallbackDelivery>();
  private pending = new Set<string>();
  private waiters = new Map<string, ((d: CallbackDelivery) => void)[]>();
  private idleWaiters: (() => void)[] = [];
  private inFlight = new Set<AbortController>();
  private timers = new TimerSet();
  private agent = new Agent({ keepAliveTimeout: 1000, connections: 64 });
  private closed = false;
  private generation = 0;
  readonly counters = { messages: 0, attempts: 0, delivered: 0, rejected: 0, failed: 0 };

  constructor(
    private readonly settings: () => DispatcherSettings,
    private readonly events: CallbackEvents,
    private readonly maxKept: number,
    private readonly logger?: EmulatorLogger,
  ) {}

  send(input: {
    notificationId: string;
    userId: string;
    actionId: string;
    url: string;
    payload: unknown;
  }): CallbackDelivery {
    if (this.closed) throw new EmulatorControlError(503, 'emulator.closed', 'The emulator is closed');
    const delivery: CallbackDelivery = {
      id: `msg_${randomBytes(16).toString('base64url')}`,
      notificationId: input.notificationId,
      userId: input.userId,
      actionId: input.actionId,
      url: input.url,
      body: JSON.stringify(input.payload),
      signed: this.settings().signingSecret !== null,
      status: 'pending',
      createdAt: Date.now(),
      completedAt: null,
      attempts: [],
    };
    this.counters.messages++;
    this.deliveries.set(delivery.id, delivery);
    this.pending.add(delivery.id);
    this.evict();
    void this.attempt(delivery, this.generation);
    this.events.onChange?.(delivery);
    return delivery;
  }

  private evict(): void {
    if (this.deliveries.size <= this.maxKept) return;
    for (const [id] of this.deliveries) {
      if (this.deliveries.size <= this.maxKept) break;
      if (!this.pending.has(id)) this.deliveries.delete(id);
    }
  }

  private async attempt(d: CallbackDelivery, generation: number): Promise<void> {
    const { signingSecret, timeScale, callbackTimeoutSeconds } = this.settings();
    const timeoutMs = (callbackTimeoutSeconds ?? CALLBACK_TIMEOUT_S * timeScale) * 1000;
    const started = Date.now();
    const webhookTimestamp = Math.floor(started / 1000);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'GenesysCloud-Emulator/1.0',
      'webhook-id': d.id,
      'webhook-timestamp': String(webhookTimestamp),
    };
    if (signingSecret)
      headers['webhook-signature'] = signWebhook(signingSecret, d.id, webhookTimestamp, d.body);
    const ctrl = new AbortController();
    this.inFlight.add(ctrl);
    const cancelTimeout = this.timers.after(timeoutMs, () => ctrl.abort(new Error('timeout')));
    let status: number | null = null;
    let error: string | null = null;
    try {
      const res = await request(d.url, {
        method: 'POST',
        headers,
        body: d.body,
        dispatcher: this.agent,
        signal: ctrl.signal,
      });
      status = res.statusCode;
      await res.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
    } catch (err) {
      if (ctrl.signal.aborted) error = 'timeout';
      else error = `connection: ${err instanceof Error ? err.message : String(err)}`;
    } finally {
      cancelTimeout();
      this.inFlight.delete(ctrl);
    }
    // A reset() or close() happened meanwhile: the message is gone.
    if (this.closed || generation !== this.generation) return;
    this.counters.attempts++;
    d.attempts.push({
      attempt: d.attempts.length + 1,
      at: started,
      webhookTimestamp,
      status,
      error,
      latencyMs: Date.now() - started,
    });

    if (status !== null && status < 500) {
      if (status >= 200 && status < 300) this.finish(d, 'delivered');
      else {
        this.logger?.warn(
          { deliveryId: d.id, url: d.url, status },
          'emulator: callback rejected by receiver',
        );
        this.finish(d, 'rejected');
      }
      return;
    }
    const retryIndex = d.attempts.length - 1;
    const delay = RETRY_DELAYS_S[retryIndex];
    if (delay !== undefined) this.events.onChange?.(d);
    if (delay === undefined) {
      this.logger?.warn(
        { deliveryId: d.id, url: d.url, status, error },
        'emulator: callback failed after all retries',
      );
      this.finish(d, 'failed');
      return;
    }
    this.timers.after(delay * 1000 * this.settings().timeScale, () => void this.attempt(d, generation));
  }

  private finish(d: CallbackDelivery, status: 'delivered' | 'rejected' | 'failed'): void {
    d.status = status;
    d.completedAt = Date.now();
    this.counters[status]++;
    this.pending.delete(d.id);
    if (status === 'failed') this.events.onFailed(d);
    this.events.onChange?.(d);
    const ws = this.waiters.get(d.id);
    if (ws) {
      this.waiters.delete(d.id);
      for (const w of ws) w(d);
    }
    if (this.pending.size === 0) this.releaseIdleWaiters();
  }

  private releaseIdleWaiters(): void {
    const idle = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of idle) w();
  }

  get(id: string): CallbackDelivery | undefined {
    return this.deliveries.get(id);
  }

  list(filter: CallbackFilter = {}): CallbackDelivery[] {
    const out: CallbackDelivery[] = [];
    for (const d of this.deliveries.values()) {
      if (filter.notificationId !== undefined && d.notificationId !== filter.notificationId) continue;
      if (filter.status !== undefined && d.status !== filter.status) continue;
      out.push(structuredClone(d));
    }
    return out;
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  waitFor(id: string, timeoutMs: number): Promise<CallbackDelivery> {
    const d = this.deliveries.get(id);
    if (!d)
      return Promise.reject(new EmulatorControlError(404, 'not.found', `Unknown callback delivery ${id}`));
    if (d.status !== 'pending') return Promise.resolve(structuredClone(d));
    return new Promise((resolve, reject) => {
      const cancel = this.timers.after(timeoutMs, () => {
        const ws = this.waiters.get(id);
        if (ws) ws.splice(ws.indexOf(done), 1);
        reject(
          new EmulatorControlError(408, 'timeout', `Callback ${id} still pending after ${timeoutMs} ms`),
        );
      });
      const done = (x: CallbackDelivery) => {
        cancel();
        resolve(structuredClone(x));
      };
      const ws = this.waiters.get(id) ?? [];
      ws.push(done);
      this.waiters.set(id, ws);
    });
  }

  waitIdle(timeoutMs: number): Promise<void> {
    if (this.pending.size === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const cancel = this.timers.after(timeoutMs, () => {
        this.idleWaiters.splice(this.idleWaiters.indexOf(done), 1);
        reject(
          new EmulatorControlError(
            408,
            'timeout',
            `${this.pending.size} callback(s) still pending after ${timeoutMs} ms`,
          ),
        );
      });
      const done = () => {
        cancel();
        resolve();
      };
      this.idleWaiters.push(done);
    });
  }

  /** Forgets every message and cancels retries (reset()). */
  reset(): void {
    this.generation++;
    this.timers.cancelAll();
    for (const c of this.inFlight) c.abort(new Error('reset'));
    this.inFlight.clear();
    for (const [id, ws] of this.waiters) {
      const d = this.deliveries.get(id);
      if (d) for (const w of ws) w(d);
    }
    this.waiters.clear();
    this.deliveries.clear();
    this.pending.clear();
    this.releaseIdleWaiters();
    for (const k of Object.keys(this.counters) as (keyof typeof this.counters)[]) this.counters[k] = 0;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.timers.close();
    for (const c of this.inFlight) c.abort(new Error('closed'));
    this.inFlight.clear();
    this.waiters.clear();
    this.idleWaiters = [];
    await this.agent.destroy().catch(() => undefined);
  }
}
