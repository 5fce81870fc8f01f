import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { GenesysCallEvent } from '../genesys/types';
import { TERMINAL_STATUSES } from '../shared/messages';
import type { AlertSinks, AlertTransition } from '../shared/sinks';

/**
 * The worker's own metrics (prom-client): alerts finished by outcome, stage latencies, Genesys calls by
 * endpoint and status, 429s, the wait at the Genesys gate, the rate Genesys says this token is allowed. The
 * Temporal SDK's metrics (task latencies, slots, polls) come from the Runtime's Prometheus exporter instead (see
 * installTemporalRuntime).
 */
export interface WorkerMetrics {
  alertsFinished: Counter<'status' | 'type' | 'priority'>;
  alertStageSeconds: Histogram<'stage'>;
  alertDurationSeconds: Histogram<'status'>;
  genesysRequests: Counter<'endpoint' | 'status'>;
  genesysRequestSeconds: Histogram<'endpoint'>;
  genesysRateLimited: Counter<'endpoint'>;
  genesysGateWaitSeconds: Histogram<'priority_key'>;
  genesysRateLimitAllowed: Gauge;
  /** For GenesysClientOptions.onCall. */
  onGenesysCall(e: GenesysCallEvent): void;
  /** For the alert workflows' sink (see alertSinks). */
  onTransition(t: AlertTransition): void;
}

const STAGE_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 86_400];
const cache = new WeakMap<Registry, WorkerMetrics>();

const seconds = (from: string | undefined, to: string): number | undefined => {
  if (!from) return undefined;
  const d = (Date.parse(to) - Date.parse(from)) / 1000;
  return Number.isFinite(d) && d >= 0 ? d : undefined;
};

/** The worker metrics on `registry`, registered once (several workers in one process share them). */
export function workerMetrics(registry: Registry): WorkerMetrics {
  const existing = cache.get(registry);
  if (existing) return existing;
  const registers = [registry];
  const m: WorkerMetrics = {
    alertsFinished: new Counter({
      name: 'alerts_finished_total',
      help: 'Alerts that reached a final status (actioned, expired, fallback_delivered, failed, cancelled)',
      labelNames: ['status', 'type', 'priority'] as const,
      registers,
    }),
    alertStageSeconds: new Histogram({
      name: 'alert_stage_duration_seconds',
      help: 'Time between stages of an alert: accepted_to_sent (ingress to notification sent), sent_to_actioned (sent to the agent’s action)',
      labelNames: ['stage'] as const,
      buckets: STAGE_BUCKETS,
      registers,
    }),
    alertDurationSeconds: new Histogram({
      name: 'alert_duration_seconds',
      help: 'Time from acceptance to the final status, by final status',
      labelNames: ['status'] as const,
      buckets: STAGE_BUCKETS,
      registers,
    }),
    genesysRequests: new Counter({
      name: 'genesys_requests_total',
      help: 'HTTP exchanges with Genesys Cloud by endpoint and status (timeout, network or aborted when no answer came)',
      labelNames: ['endpoint', 'status'] as const,
      registers,
    }),
    genesysRequestSeconds: new Histogram({
      name: 'genesys_request_duration_seconds',
      help: 'Duration of HTTP exchanges with Genesys Cloud by endpoint',
      labelNames: ['endpoint'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    genesysRateLimited: new Counter({
      name: 'genesys_rate_limited_total',
      help: 'Genesys answers 429 Too Many Requests, by endpoint',
      labelNames: ['endpoint'] as const,
      registers,
    }),
    genesysGateWaitSeconds: new Histogram({
      name: 'genesys_gate_wait_seconds',
      help: 'Time a Genesys call waited at this process’s gate (the 429 pause and the pacing to the rate cap) before it was sent, by Temporal priority key (1 most urgent)',
      labelNames: ['priority_key'] as const,
      buckets: [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20],
      registers,
    }),
    genesysRateLimitAllowed: new Gauge({
      name: 'genesys_rate_limit_allowed_per_minute',
      help: 'Requests a minute Genesys last said this OAuth client is allowed (inin-ratelimit-allowed); the worker paces down to it when it is below GENESYS_RATE_LIMIT_PER_MINUTE',
      registers,
    }),
    onGenesysCall(e) {
      const status = e.status !== undefined ? String(e.status) : (e.error ?? 'error');
      m.genesysRequests.inc({ endpoint: e.operation, status });
      m.genesysRequestSeconds.observe({ endpoint: e.operation }, e.durationMs / 1000);
      if (e.status === 429) m.genesysRateLimited.inc({ endpoint: e.operation });
      if (e.rateLimitAllowed !== undefined) m.genesysRateLimitAllowed.set(e.rateLimitAllowed);
    },
    onTransition(t) {
      if (t.status === 'awaiting_action') {
        const s = seconds(t.acceptedAt, t.at);
        if (s !== undefined) m.alertStageSeconds.observe({ stage: 'accepted_to_sent' }, s);
      }
      if (t.status === 'actioned') {
        const s = seconds(t.sentAt, t.at);
        if (s !== undefined) m.alertStageSeconds.observe({ stage: 'sent_to_actioned' }, s);
      }
      if (TERMINAL_STATUSES.includes(t.status)) {
        m.alertsFinished.inc({ status: t.status, type: t.type, priority: t.priority });
        const s = seconds(t.acceptedAt, t.at);
        if (s !== undefined) m.alertDurationSeconds.observe({ status: t.status }, s);
      }
    },
  };
  cache.set(registry, m);
  return m;
}

/** The sinks the alert workflow calls; without metrics they do nothing (but must exist: the workflow calls them). */
export function alertSinks(metrics?: WorkerMetrics): InjectedSinks<AlertSinks> {
  return {
    alertMetrics: {
      transition: { fn: (_info, t) => metrics?.onTransition(t), callDuringReplay: false },
    },
  };
}

/**
 * Puts the alert's correlation id (from the activity's input) on the SDK's own activity log lines
 * ("Activity failed", ...), next to the workflow id, so one id finds every line of an alert.
 */
export const correlationLogInterceptor: ActivityInterceptorsFactory = () => {
  let correlationId: string | undefined;
  return {
    inbound: {
      execute(input, next) {
        const first = input.args[0] as { correlationId?: unknown } | undefined;
        if (first && typeof first.correlationId === 'string') correlationId = first.correlationId;
        return next(input);
      },
    },
    outbound: {
      getLogAttributes(attrs, next) {
        return next(correlationId ? { ...attrs, correlationId } : attrs);
      },
    },
  };
};
