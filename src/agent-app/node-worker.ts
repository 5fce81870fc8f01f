/**
 * The worker of this ingress node's own task queue: it runs the push and withdraw activities against this node's
 * live connections. It never blocks start-up (the ingress must answer while Temporal is down): it connects in the
 * background and tries again, with back-off, whenever it cannot connect or its worker stops with an error. While
 * it is not polling, pushes to this node time out before they start, and its agents are `no_live_session`.
 */
import {
  NativeConnection,
  Worker,
  type ActivityInterceptorsFactory,
  type WorkerOptions,
} from '@temporalio/worker';
import type { Logger } from '../observability/logger';
import type { TemporalConnectOptions } from '../temporal-connection';
import type { NodeActivities } from './node-activities';

export interface NodeWorkerOptions {
  /** How to reach Temporal (src/temporal-connection.ts), for a connection of its own. */
  temporal: TemporalConnectOptions;
  namespace: string;
  taskQueue: string;
  activities: NodeActivities;
  logger: Logger;
  /** A connection to use (the caller's to close); default: one of its own, made when Temporal is reachable. */
  connection?: NativeConnection;
  /** The service's data converter (src/codec: the payload codec when keys are configured). */
  dataConverter?: WorkerOptions['dataConverter'];
  /** Activity interceptors (tracing: the push's span continues the alert's trace). */
  activityInterceptors?: ActivityInterceptorsFactory[];
}

export class NodeWorker {
  private worker?: Worker;
  private closed = false;
  private loop?: Promise<void>;
  private wake?: () => void;

  constructor(private readonly o: NodeWorkerOptions) {}

  start(): this {
    this.loop ??= this.runLoop();
    return this;
  }

  /** Polling right now? (for tests and /readyz-like checks) */
  get running(): boolean {
    return this.worker?.getState() === 'RUNNING';
  }

  private async runLoop(): Promise<void> {
    let backoffMs = 250;
    while (!this.closed) {
      let own: NativeConnection | undefined;
      try {
        const connection = this.o.connection ?? (own = await NativeConnection.connect(this.o.temporal));
        if (this.closed) break;
        this.worker = await Worker.create({
          connection,
          namespace: this.o.namespace,
          taskQueue: this.o.taskQueue,
          dataConverter: this.o.dataConverter,
          activities: this.o.activities,
          interceptors: { activity: this.o.activityInterceptors ?? [] },
          // The pushes wait for receipts, not CPU: many at once are cheap.
          maxConcurrentActivityTaskExecutions: 500,
          shutdownGraceTime: '2s',
        });
        if (this.closed) break;
        this.o.logger.info({ taskQueue: this.o.taskQueue }, 'agent-app node worker polling');
        backoffMs = 250;
        await this.worker.run();
      } catch (err) {
        if (this.closed) break;
        this.o.logger.warn({ err, retryInMs: backoffMs }, 'agent-app node worker not running (retrying)');
      } finally {
        this.worker = undefined;
        await own?.close().catch(() => undefined);
      }
      if (this.closed) break;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, backoffMs);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      backoffMs = Math.min(backoffMs * 2, 5_000);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wake?.();
    if (this.worker?.getState() === 'RUNNING') this.worker.shutdown();
    await this.loop;
  }
}
