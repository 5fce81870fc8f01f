/**
 * The one way to build the service: `startService(config, overrides)` wires the Genesys client, the workers
 * and the ingress around one logger and one metrics registry. `npm start` (src/main.ts), the tests and the
 * benchmarks all call it; what they change (a task queue, a pre-bundled workflow, relay timings, an ingress-only
 * or worker-only process) goes in `overrides`, never in a copy of this wiring.
 */
import { Client } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { Registry } from 'prom-client';
import { dataConverterFor } from '../codec';
import { genesysConnection, type Config } from '../config';
import { createGenesysClient } from '../genesys';
import type { GenesysClient } from '../genesys/types';
import { createLogger, type Logger } from '../observability/logger';
import { clientTracingInterceptors } from '../observability/temporal-tracing';
import { startTracing, type Tracing } from '../observability/tracing';
import { workerMetrics } from '../observability/worker-telemetry';
import { startIngress, type Ingress, type StartIngressOptions } from './ingress';
import { ALERTS_TASK_QUEUE } from '../shared/constants';
import { createWorkers, type AlertWorkers, type CreateWorkersOptions } from './workers';
import { temporalConnectError, temporalConnectOptions } from '../temporal-connection';

export interface ServiceOverrides {
  logger?: Logger;
  /** One registry for the ingress's /metrics and the workers' series (default: a new, empty one). */
  registry?: Registry;
  /** The alerts task queue of both the workers and the launcher (default ALERTS_TASK_QUEUE). */
  taskQueue?: string;
  /** A Client for the ingress to use (its connection stays the caller's); default: a lazy one it owns. */
  client?: Client;
  /** A Genesys client to use instead of one built from config.genesys (it stays the caller's to close). */
  genesys?: GenesysClient;
  /** Worker options beyond the configuration; `false`: no workers in this process (an ingress-only process). */
  workers?:
    | false
    | Partial<
        Omit<CreateWorkersOptions, 'connection' | 'namespace' | 'config' | 'genesys' | 'logger' | 'tracing'>
      >;
  /** Ingress options beyond the configuration; `false`: no ingress in this process (a worker-only process). */
  ingress?:
    false | Partial<Omit<StartIngressOptions, 'config' | 'logger' | 'registry' | 'client' | 'tracing'>>;
  /**
   * With workers and the ingress in this process and no `client` given: the ingress starts runs with eager
   * workflow start on the workers' connection (default true; `false` measures the difference).
   */
  eagerStart?: boolean;
  /**
   * Tracing to use (the caller's to shut down; a test passes one with its own exporter). Default: started from the
   * OTEL_* environment (src/observability/tracing.ts), off when it asks for nothing, shut down (flushed) by close().
   * A `client` given in these overrides must carry clientTracingInterceptors itself.
   */
  tracing?: Tracing;
}

export interface Service {
  config: Config;
  logger: Logger;
  registry: Registry;
  /** Undefined when overrides.workers is false. */
  workers?: AlertWorkers;
  /** Undefined when overrides.ingress is false. */
  ingress?: Ingress;
  /** Stops the ingress first (no new work), then the workers, then what the service opened. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Run each closer, last opened first, and empty the list; one that fails is logged and the rest still run (a
 * process that stops must release everything it can).
 */
export async function closeInReverse(
  closers: Array<() => Promise<void> | void>,
  logger: Logger,
): Promise<void> {
  for (const close of closers.splice(0).reverse()) {
    try {
      await close();
    } catch (err) {
      logger.error({ err }, 'error while stopping');
    }
  }
}

export async function startService(config: Config, overrides: ServiceOverrides = {}): Promise<Service> {
  const logger = overrides.logger ?? createLogger({ level: config.logLevel, name: 'desktop-alerts' });
  const registry = overrides.registry ?? new Registry();
  const taskQueue = overrides.taskQueue ?? ALERTS_TASK_QUEUE;
  // Closed in reverse order of opening; a failure half-way closes what was opened.
  const opened: Array<() => Promise<void> | void> = [];
  const closeOpened = () => closeInReverse(opened, logger);

  try {
    let tracing = overrides.tracing;
    if (!tracing) {
      const own = startTracing();
      // Pushed first, so it runs last: the spans of the workers' and the ingress's last moments go out too.
      if (own) opened.push(() => own.shutdown());
      tracing = own;
    }
    let workers: AlertWorkers | undefined;
    let sharedConnection: NativeConnection | undefined;
    if (overrides.workers !== false) {
      const metrics = overrides.workers?.metrics ?? workerMetrics(registry);
      let genesys = overrides.genesys;
      if (!genesys) {
        const own = createGenesysClient({
          ...genesysConnection(config.genesys),
          logger: logger.child({ component: 'genesys' }),
          // Metrics, and the org's own rate figure (inin-ratelimit-allowed) to the throttle of the workers below,
          // which paces down to it (GENESYS.md: 180 a minute is seen where 300 is configured).
          onCall: (e) => {
            metrics.onGenesysCall(e);
            workers?.throttle?.onRateLimitAllowed(e.rateLimitAllowed);
          },
        });
        opened.push(() => own.close());
        genesys = own;
      }
      const connection = await NativeConnection.connect(temporalConnectOptions(config.temporal)).catch(
        (err: unknown) => {
          throw temporalConnectError(config.temporal, err);
        },
      );
      opened.push(() => connection.close());
      sharedConnection = connection;
      const created = await createWorkers({
        connection,
        namespace: config.temporal.namespace,
        config,
        genesys,
        logger: logger.child({ component: 'worker' }),
        taskQueue,
        tracing,
        ...overrides.workers,
        metrics,
      });
      const running = created.run();
      // A worker that stops on its own (a fatal error) is said at once, not first at close(); the entry points
      // decide what the process does about it (workers.run() gives them the same promise).
      running.catch((err: unknown) => logger.fatal({ err }, 'a worker stopped with an error'));
      opened.push(async () => {
        await created.shutdown();
        await running;
      });
      workers = created;
    }

    let ingress: Ingress | undefined;
    if (overrides.ingress !== false) {
      const { alertsClientOptions, agentApp, ...ingressOptions } = overrides.ingress ?? {};
      // Workers here too: the ingress's Client shares their NativeConnection, so the server can hand a new run's
      // first workflow task straight back to them (eager start: no matching round trip, no poll wait).
      const eager = !overrides.client && sharedConnection !== undefined && overrides.eagerStart !== false;
      const client =
        overrides.client ??
        (eager
          ? new Client({
              connection: sharedConnection!,
              namespace: config.temporal.namespace,
              dataConverter: dataConverterFor(config.temporal),
              interceptors: clientTracingInterceptors(tracing),
            })
          : undefined);
      const started = await startIngress({
        config,
        logger: logger.child({ component: 'ingress' }),
        registry,
        client,
        tracing,
        alertsClientOptions: {
          taskQueue,
          ...(eager ? { requestEagerStart: true } : {}),
          ...alertsClientOptions,
        },
        // The agent-app node's worker shares the workers' connection where this process has one.
        agentApp: agentApp === false ? false : { nativeConnection: sharedConnection, ...agentApp },
        ...ingressOptions,
      });
      opened.push(() => started.close());
      ingress = started;
    }

    let closing: Promise<void> | undefined;
    return { config, logger, registry, workers, ingress, close: () => (closing ??= closeOpened()) };
  } catch (err) {
    await closeOpened();
    throw err;
  }
}

export { createTemporalConnection, type Ingress, type StartIngressOptions } from './ingress';
export type { AlertWorkers, CreateWorkersOptions } from './workers';
