import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface IngressMetrics {
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpDuration: Histogram<'method' | 'route'>;
  callbackAcks: Counter<'outcome'>;
  callbackAckSeconds: Histogram<'outcome'>;
  alertsStarted: Counter<'outcome'>;
  relayOutcomes: Counter<'outcome' | 'reason'>;
  deadLetters: Gauge;
  inboxPending: Gauge;
  inboxOldestPendingSeconds: Gauge;
  inboxPruned: Counter;
}

/** What the inbox gauges read at scrape time. */
export interface InboxCounts {
  deadLetterCount(): number;
  /** Callbacks received and not yet applied or dead-lettered (the relay's backlog). */
  pendingCount(): number;
  oldestPendingReceivedAt(): Date | undefined;
}

const cache = new WeakMap<Registry, IngressMetrics>();
/** Where each registry's inbox gauges read from (the latest app wins). */
const inboxSources = new WeakMap<Registry, InboxCounts>();

/**
 * The ingress metrics, registered once per registry (createApp may be called more than once with
 * the same registry, e.g. in tests). The inbox's counts are read at scrape time.
 */
export function ingressMetrics(registry: Registry, inbox: InboxCounts): IngressMetrics {
  inboxSources.set(registry, inbox);
  const existing = cache.get(registry);
  if (existing) return existing;
  const registers = [registry];
  const m: IngressMetrics = {
    httpRequests: new Counter({
      name: 'ingress_http_requests_total',
      help: 'HTTP requests by route template and status',
      labelNames: ['method', 'route', 'status'] as const,
      registers,
    }),
    httpDuration: new Histogram({
      name: 'ingress_http_request_duration_seconds',
      help: 'HTTP request duration by route template',
      labelNames: ['method', 'route'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    callbackAcks: new Counter({
      name: 'desktop_callback_acks_total',
      help: 'Desktop callbacks answered, by outcome (accepted, duplicate, invalid_signature, malformed_json, invalid_schema, error)',
      labelNames: ['outcome'] as const,
      registers,
    }),
    callbackAckSeconds: new Histogram({
      name: 'desktop_callback_ack_seconds',
      help: 'Time to answer a desktop callback (the platform gives up after 5 s)',
      labelNames: ['outcome'] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
      registers,
    }),
    alertsStarted: new Counter({
      name: 'alerts_started_total',
      help: 'POST /v1/alerts by outcome (accepted, duplicate, invalid, unavailable, error)',
      labelNames: ['outcome'] as const,
      registers,
    }),
    relayOutcomes: new Counter({
      name: 'desktop_callback_relay_total',
      help: 'Callbacks handled by the relay, by outcome (applied, duplicate, retry, dead_lettered) and dead-letter reason',
      labelNames: ['outcome', 'reason'] as const,
      registers,
    }),
    inboxPruned: new Counter({
      name: 'desktop_callback_inbox_pruned_total',
      help: 'Applied callbacks deleted from the inbox after CALLBACK_RETENTION_DAYS',
      registers,
    }),
    deadLetters: new Gauge({
      name: 'desktop_callback_dead_letters',
      help: 'Callbacks currently in the dead-letter store',
      registers,
      collect() {
        readInto(this, () => inboxSources.get(registry)?.deadLetterCount());
      },
    }),
    inboxPending: new Gauge({
      name: 'desktop_callback_inbox_pending',
      help: 'Callbacks received and not yet applied or dead-lettered (the relay backlog)',
      registers,
      collect() {
        readInto(this, () => inboxSources.get(registry)?.pendingCount());
      },
    }),
    inboxOldestPendingSeconds: new Gauge({
      name: 'desktop_callback_inbox_oldest_pending_seconds',
      help: 'Age of the oldest callback waiting for the relay (0 when none waits): grows while the relay is stuck',
      registers,
      collect() {
        readInto(this, () => {
          const inbox = inboxSources.get(registry);
          if (!inbox) return undefined;
          const at = inbox.oldestPendingReceivedAt();
          return at ? Math.max(0, (Date.now() - at.getTime()) / 1000) : 0;
        });
      },
    }),
  };
  cache.set(registry, m);
  return m;
}

function readInto(gauge: Gauge, read: () => number | undefined): void {
  try {
    const n = read();
    if (n !== undefined) gauge.set(n);
  } catch {
    // The store is closing: keep the last value.
  }
}
