/**
 * One process of a service under test, forked by ./service.ts: `worker` (the design's workers through startService, or
 * the baseline worker) or `ingress` (startService's ingress with its callback inbox and relay). As deployed
 * (docker-compose.yml): the ingress and the workers are separate processes, so one's load does not delay
 * the other's event loop, and neither shares one with the emulator and the load generator (the bench process).
 * `both` (the eager scenario): the design's workers and ingress in this one process, as `npm start` runs them
 * (startService with both, eager workflow start unless `eagerStart` is false). Kind `ceiling`: a worker for the
 * trivial workflow (../ceiling) and, as its ingress, a minimal HTTP endpoint that starts one run per request.
 *
 * Protocol (IPC): parent -> {type: 'start', ...ChildStart}; child -> {type: 'ready', url?}; parent ->
 * {type: 'pending', id} -> child {type: 'pending', id, n} (ingress: callbacks not yet applied); parent ->
 * {type: 'loop', id} -> child {type: 'loop', id, stats} (event-loop delay in ms since the last ask);
 * parent -> {type: 'close'}; the child shuts down and exits 0. A failure is sent as {type: 'error', message}.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
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
import { temporalConnectOptions } from '../../src/temporal-connection';
import { createBaselineActivities, TokenBucket } from '../baseline/activities';
import type { CeilingActivities } from '../ceiling/workflows';

export interface ChildStart {
  role: 'worker' | 'ingress' | 'both';
  kind: 'design' | 'baseline' | 'ceiling';
  /** The service's environment (loadConfig input), the same for both processes. */
  env: Record<string, string>;
  taskQueue: string;
  /** Workflow bundle written by the parent (worker role). */
  bundlePath?: string;
  /** Genesys calls per second: the design's queue cap, the baseline's token bucket (0: none). */
  capPerSecond?: number;
  inboxFile?: string;
  /** Role `both`: start runs eagerly (ServiceOverrides.eagerStart; default true). */
  eagerStart?: boolean;
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

/** The configuration, a silent logger and a Genesys client with room for the bench's load (50 connections). */
function workerParts(o: ChildStart) {
  const config = loadConfig(o.env);
  const logger = pino({ level: 'silent' });
  const genesys = createGenesysClient({ ...genesysConnection(config.genesys), logger, connections: 50 });
  return { config, logger, genesys };
}

async function startWorker(o: ChildStart): Promise<() => Promise<void>> {
  const { config, logger, genesys } = workerParts(o);
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
    const connection = await NativeConnection.connect(temporalConnectOptions(config.temporal));
    const activities: CeilingActivities | ReturnType<typeof createBaselineActivities> =
      o.kind === 'ceiling'
        ? { noop: async () => {} }
        : createBaselineActivities(genesys, new TokenBucket(o.capPerSecond ?? 0));
    const w = await Worker.create({
      connection,
      namespace: 'default',
      taskQueue: o.taskQueue,
      workflowBundle,
      activities,
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
  const connection = await Connection.connect(temporalConnectOptions(config.temporal));
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

/**
 * The ceiling's ingress: what the service's ingress does for an alert reduced to the start itself. `POST /v1/alerts`
 * with the same body and API key -> one run of the trivial workflow (id: the idempotency key, the body as its
 * input) -> 202. Same process layout and the same HTTP path as the services it bounds, none of their work.
 */
async function startCeilingIngress(o: ChildStart): Promise<{ url: string; close: () => Promise<void> }> {
  const config = loadConfig(o.env);
  const connection = await Connection.connect(temporalConnectOptions(config.temporal));
  const client = new Client({ connection, namespace: 'default' });
  const keys = new Set(o.env.INGRESS_API_KEYS!.split(','));
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        if (req.method !== 'POST' || req.url !== '/v1/alerts') return res.writeHead(404).end();
        const token = req.headers.authorization?.replace(/^Bearer /, '');
        if (!token || !keys.has(token)) return res.writeHead(401).end();
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { idempotencyKey: string };
          const handle = await client.workflow.start('ceilingWorkflow', {
            taskQueue: o.taskQueue,
            workflowId: body.idempotencyKey,
            args: [body],
          });
          res
            .writeHead(202, { 'content-type': 'application/json' })
            .end(JSON.stringify({ alertId: handle.workflowId, status: 'accepted' }));
        } catch (err) {
          res.writeHead(500).end(String(err));
        }
      })();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await connection.close();
    },
  };
}

/** The design's workers and ingress in this one process, as `npm start` runs them. */
async function startBoth(o: ChildStart): Promise<{ ingress: Ingress; close: () => Promise<void> }> {
  const { config, logger, genesys } = workerParts(o);
  const service = await startService(config, {
    logger,
    genesys,
    taskQueue: o.taskQueue,
    workers: {
      workflowBundle: { codePath: o.bundlePath! },
      genesysActivitiesPerSecond: o.capPerSecond ?? 0,
    },
    ingress: { inboxFile: o.inboxFile, alertsClientOptions: { taskPriority: true } },
    eagerStart: o.eagerStart ?? true,
  });
  return {
    ingress: service.ingress!,
    close: async () => {
      await service.close();
      await genesys.close();
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
        } else if (m.kind === 'ceiling') {
          const started = await startCeilingIngress(m);
          close = started.close;
          send({ type: 'ready', url: started.url });
        } else if (m.role === 'both') {
          const started = await startBoth(m);
          ingress = started.ingress;
          close = started.close;
          send({ type: 'ready', url: ingress.url });
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
