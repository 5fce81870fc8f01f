/**
 * One process of a service under test, forked by ./service.ts: `worker` (the design's workers through startService, or
 * the baseline worker) or `ingress` (startService's ingress with its callback inbox and relay). As deployed
 * (docker-compose.yml): the ingress and the workers are separate processes, so one's load does not delay
 * the other's event loop, and neither shares one with the emulator and the load generator (the bench process).
 *
 * Protocol (IPC): parent -> {type: 'start', ...ChildStart}; child -> {type: 'ready', url?}; parent ->
 * {type: 'pending', id} -> child {type: 'pending', id, n} (ingress: callbacks not yet applied); parent ->
 * {type: 'loop', id} -> child {type: 'loop', id, stats} (event-loop delay in ms since the last ask);
 * parent -> {type: 'close'}; the child shuts down and exits 0. A failure is sent as {type: 'error', message}.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Client, Connection } from '@temporalio/client';
import {
  DefaultLogger,
  NativeConnection,
  Runtime,
  Worker,
  makeTelemetryFilterString,
} from '@temporalio/worker';
import pino from 'pino';
import { genesysConnection, loadConfig } from '../../src/config';
import { createGenesysClient } from '../../src/genesys';
import { startService, type Ingress } from '../../src/service';
import { createBaselineActivities, TokenBucket } from '../baseline/activities';

export interface ChildStart {
  role: 'worker' | 'ingress';
  kind: 'design' | 'baseline';
  /** The service's environment (loadConfig input), the same for both processes. */
  env: Record<string, string>;
  taskQueue: string;
  /** Workflow bundle written by the parent (worker role). */
  bundlePath?: string;
  /** Genesys calls per second: the design's queue cap, the baseline's token bucket (0: none). */
  capPerSecond?: number;
  inboxFile?: string;
}

type ToChild =
  | ({ type: 'start' } & ChildStart)
  | { type: 'pending'; id: number }
  | { type: 'loop'; id: number }
  | { type: 'close' };

/** This process's event-loop delay since the last `loop` request: how long ready work waited for the thread. */
const loopDelay = monitorEventLoopDelay({ resolution: 5 });
loopDelay.enable();

const send = (m: unknown) => process.send?.(m);

async function startWorker(o: ChildStart): Promise<() => Promise<void>> {
  const config = loadConfig(o.env);
  const logger = pino({ level: 'silent' });
  const genesys = createGenesysClient({
    ...genesysConnection(config.genesys),
    logger,
    connections: 50,
  });
  const workflowBundle = { codePath: o.bundlePath! };
  let stop: () => Promise<void>;
  if (o.kind === 'design') {
    const service = await startService(config, {
      logger,
      genesys,
      taskQueue: o.taskQueue,
      ingress: false,
      workers: { workflowBundle, genesysActivitiesPerSecond: o.capPerSecond ?? 0 },
    });
    stop = () => service.close();
  } else {
    const connection = await NativeConnection.connect({ address: config.temporal.address! });
    const w = await Worker.create({
      connection,
      namespace: 'default',
      taskQueue: o.taskQueue,
      workflowBundle,
      activities: createBaselineActivities(genesys, new TokenBucket(o.capPerSecond ?? 0)),
      maxConcurrentActivityTaskExecutions: 200,
    });
    const running = w.run();
    stop = async () => {
      w.shutdown();
      await running;
      await connection.close();
    };
  }
  return async () => {
    await stop();
    await genesys.close();
  };
}

async function startIngressProcess(o: ChildStart): Promise<{ ingress: Ingress; close: () => Promise<void> }> {
  const config = loadConfig(o.env);
  const connection = await Connection.connect({ address: config.temporal.address! });
  const client = new Client({ connection, namespace: 'default' });
  const service = await startService(config, {
    logger: pino({ level: 'silent' }),
    client,
    taskQueue: o.taskQueue,
    workers: false,
    // The baseline is FIFO: its runs start without a task priority.
    ingress: { inboxFile: o.inboxFile, alertsClientOptions: { taskPriority: o.kind === 'design' } },
  });
  return {
    ingress: service.ingress!,
    close: async () => {
      await service.close();
      await connection.close();
    },
  };
}

let close: (() => Promise<void>) | undefined;
let ingress: Ingress | undefined;

process.on('message', (m: ToChild) => {
  void (async () => {
    try {
      if (m.type === 'start') {
        Runtime.install({
          logger: new DefaultLogger('ERROR'),
          telemetryOptions: {
            logging: { filter: makeTelemetryFilterString({ core: 'ERROR', other: 'ERROR' }) },
          },
        });
        if (m.role === 'worker') {
          close = await startWorker(m);
          send({ type: 'ready' });
        } else {
          const started = await startIngressProcess(m);
          ingress = started.ingress;
          close = started.close;
          send({ type: 'ready', url: ingress.url });
        }
      } else if (m.type === 'pending') {
        send({ type: 'pending', id: m.id, n: ingress ? ingress.inbox.counts().received : 0 });
      } else if (m.type === 'loop') {
        send({
          type: 'loop',
          id: m.id,
          stats: {
            p50: loopDelay.percentile(50) / 1e6,
            p99: loopDelay.percentile(99) / 1e6,
            max: loopDelay.max / 1e6,
          },
        });
        loopDelay.reset();
      } else if (m.type === 'close') {
        await close?.();
        process.exit(0);
      }
    } catch (err) {
      send({ type: 'error', message: (err as Error).stack ?? String(err) });
      process.exit(1);
    }
  })();
});
// An orphan (the bench killed) must not linger.
process.on('disconnect', () => process.exit(0));
