/**
 * The workers of one process: workflows and non-Genesys activities on the alerts queue, every Genesys call on
 * its companion queue whose dispatch rate the server caps across all workers, and the cross-worker 429 pause.
 */
import path from 'node:path';
import { Client } from '@temporalio/client';
import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import { createLocateActivity } from '../agent-app/locate';
import { createActivities, type ActivityDeps } from '../activities';
import { dataConverterFor } from '../codec';
import { GenesysThrottle, type GenesysThrottleOptions } from '../activities/throttle';
import { genesysActivitiesPerSecond, type Config } from '../config';
import type { GenesysClient } from '../genesys/types';
import type { Logger } from '../observability/logger';
import {
  WORKFLOW_TRACING_MODULE,
  activityTracingInterceptor,
  workflowTracingSinks,
} from '../observability/temporal-tracing';
import type { Tracing } from '../observability/tracing';
import { alertSinks, correlationLogInterceptor, type WorkerMetrics } from '../observability/worker-telemetry';
import { ALERTS_TASK_QUEUE, genesysQueueFor } from '../shared/constants';

export interface AlertWorkers {
  /** Resolves when both workers have stopped. */
  run(): Promise<void>;
  shutdown(): Promise<void>;
  workers: Worker[];
  /**
   * The cross-worker 429 pause of the Genesys queue and this process's pacer (undefined when disabled). Feed it the
   * Genesys client's inin-ratelimit-allowed figures (onRateLimitAllowed) to pace to the org's own figure; startService
   * does for the client it creates.
   */
  throttle?: GenesysThrottle;
}

export interface CreateWorkersOptions {
  connection: NativeConnection;
  namespace: string;
  /** `temporal.payloadKeys`: the payload codec of both workers and the locate client (none: plaintext). */
  config: Pick<Config, 'genesys' | 'downstream' | 'fallback'> & {
    temporal?: Pick<Config['temporal'], 'payloadKeys'>;
  };
  genesys: GenesysClient;
  logger: Logger;
  /**
   * Pre-bundled workflow code (tests bundle once per file); default: bundle src/workflows. With payload keys, bundle
   * it with `failureConverterPath: FAILURE_CONVERTER_PATH` (src/codec) so workflow failures are encoded too.
   */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** The alerts task queue (its Genesys companion is derived); default ALERTS_TASK_QUEUE. */
  taskQueue?: string;
  activityDeps?: Partial<ActivityDeps>;
  /** Cap on the Genesys queue; default from config (share x limit / 60). 0: no cap. */
  genesysActivitiesPerSecond?: number;
  /**
   * A 429 pauses the Genesys queue server-side for every worker (default on); false: only that activity waits.
   * `now`, `onWaited` and `onGateClosed` are for tests that check the gate's own record (onWaited is told as well
   * as the gate-wait metric).
   */
  rateLimitThrottle?:
    | false
    | Partial<
        Pick<
          GenesysThrottleOptions,
          'maxWaitMs' | 'sweepMs' | 'identity' | 'callsPerSecond' | 'now' | 'onWaited' | 'onGateClosed'
        >
      >;
  /** How long a shutdown lets in-flight activities finish before cancelling them (default 20 s, inside Kubernetes' 30 s). */
  shutdownGraceTime?: WorkerOptions['shutdownGraceTime'];
  /** Alert outcomes and stage latencies (workflow sink); Genesys call metrics come from the client's onCall. */
  metrics?: WorkerMetrics;
  /**
   * Tracing on: the workflow and activity interceptors and the workflow span sink. A pre-built `workflowBundle` must
   * then have been bundled with `workflowInterceptorModules: [WORKFLOW_TRACING_MODULE]` (its spans need that code).
   */
  tracing?: Tracing;
}

/**
 * Where the activities send and with which keys. The fallback webhook is signed with its own key
 * (FALLBACK_WEBHOOK_SIGNING_SECRET), never the downstream one: a receiver of fallbacks must not be able to forge
 * agents' actions to the downstream consumer.
 */
export function outboundDeps(
  config: Pick<Config, 'downstream' | 'fallback'>,
): Pick<ActivityDeps, 'downstream' | 'fallback'> {
  const { webhookSigningSecret, emailAllowedDomains: _domains, ...fallback } = config.fallback;
  return {
    downstream: config.downstream,
    fallback: { ...fallback, signingSecret: webhookSigningSecret },
  };
}

/**
 * Two workers in one process: workflows and non-Genesys activities on the alerts queue, and every
 * Genesys call on its own queue whose dispatch rate the server caps across all workers.
 */
export async function createWorkers(o: CreateWorkersOptions): Promise<AlertWorkers> {
  const alertsQueue = o.taskQueue ?? ALERTS_TASK_QUEUE;
  const queues = { alerts: alertsQueue, genesys: genesysQueueFor(alertsQueue) };
  const rate = o.genesysActivitiesPerSecond ?? genesysActivitiesPerSecond(o.config.genesys);
  const retryAfterMaxSeconds = o.config.genesys.retryAfterMaxSeconds;
  const retryAfterMaxMs = retryAfterMaxSeconds === undefined ? undefined : retryAfterMaxSeconds * 1000;
  const throttle =
    o.rateLimitThrottle === false
      ? undefined
      : new GenesysThrottle({
          service: o.connection.workflowService,
          namespace: o.namespace,
          taskQueue: queues.genesys,
          logger: o.logger,
          // Smooths this process's calls to the cap's rate (see callsPerSecond); the server cap bounds the sum.
          callsPerSecond: rate > 0 ? rate : undefined,
          // The same share of the org's reported figure, when it is lower (see onRateLimitAllowed).
          rateLimitShare: o.config.genesys.rateLimitShare,
          maxPauseMs: retryAfterMaxMs,
          ...o.rateLimitThrottle,
          onWaited: (ms, key, passedAt) => {
            o.metrics?.genesysGateWaitSeconds.observe({ priority_key: String(key) }, ms / 1000);
            if (o.rateLimitThrottle) o.rateLimitThrottle.onWaited?.(ms, key, passedAt);
          },
        }).start();
  const activities = createActivities({
    genesys: o.genesys,
    logger: o.logger,
    ...outboundDeps(o.config),
    throttle,
    retryAfterMaxSeconds,
    ...o.activityDeps,
  });
  // On SIGTERM the workers stop polling and let what they hold finish, for up to this long, before cancelling
  // it. With the SDK's default of 0, a delivery in flight at SIGTERM was cancelled at once and its outcome never
  // reached the server: the send then waited out its 30 s start-to-close time-out before another worker retried.
  const shutdownGraceTime = o.shutdownGraceTime ?? '20s';
  // Every payload and failure through the codec when keys are configured (the bundle built here includes the
  // failure converter; a pre-built one must have been bundled with it).
  const dataConverter = dataConverterFor(o.config.temporal ?? {});
  const workflowSource = o.workflowBundle
    ? { workflowBundle: o.workflowBundle }
    : { workflowsPath: require.resolve(path.join(__dirname, '..', 'workflows')) };
  // The OTel activity interceptor first: it is the outermost, so the others and the activity run inside its span.
  const activityInterceptors = o.tracing
    ? [activityTracingInterceptor, correlationLogInterceptor]
    : [correlationLogInterceptor];
  // A pre-built bundle has its workflow interceptors in it already (the SDK ignores workflowModules then, and warns).
  const workflowModules = o.tracing && !o.workflowBundle ? [WORKFLOW_TRACING_MODULE] : [];
  let alerts: Worker, genesys: Worker;
  try {
    alerts = await Worker.create({
      connection: o.connection,
      namespace: o.namespace,
      taskQueue: queues.alerts,
      dataConverter,
      ...workflowSource,
      sinks: { ...alertSinks(o.metrics), ...(o.tracing ? workflowTracingSinks(o.tracing) : {}) },
      interceptors: { activity: activityInterceptors, workflowModules },
      activities: {
        // The agent app's locate runs as a local activity of the alert workflow: a query to the registry.
        ...createLocateActivity({
          client: new Client({ connection: o.connection, namespace: o.namespace, dataConverter }),
        }),
        forwardAction: activities.forwardAction,
        sendFallbackEmail: activities.sendFallbackEmail,
        sendFallbackWebhook: activities.sendFallbackWebhook,
      },
      maxConcurrentActivityTaskExecutions: 100,
      shutdownGraceTime,
    });
    genesys = await Worker.create({
      connection: o.connection,
      namespace: o.namespace,
      taskQueue: queues.genesys,
      dataConverter,
      activities: { deliverToDesktop: activities.deliverToDesktop },
      interceptors: { activity: activityInterceptors },
      // Under a cap, about a second's worth of slots: enough to keep the rate, and few enough that tasks wait
      // in the server's queue (in priority and fairness order) rather than in this process.
      maxConcurrentActivityTaskExecutions: rate > 0 ? Math.min(200, Math.max(5, Math.ceil(rate))) : 200,
      ...(rate > 0 ? { maxTaskQueueActivitiesPerSecond: rate } : {}),
      shutdownGraceTime,
    });
  } catch (err) {
    await throttle?.close();
    throw err;
  }
  const workers = [alerts, genesys];
  let running: Promise<void> | undefined;
  return {
    workers,
    throttle,
    run() {
      running ??= Promise.all(workers.map((w) => w.run())).then(() => undefined);
      return running;
    },
    async shutdown() {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await running;
      await throttle?.close();
    },
  };
}
