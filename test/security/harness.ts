/** A real ingress on port 0 against the shared Temporal dev server, on a task queue nobody polls. */
import { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Config } from '../../src/config';
import { createTemporalConnection, startService, type Ingress } from '../../src/service';
import { silentLogger, testConfig } from '../api/helpers';
import { testTemporalAddress, uniqueQueue } from '../helpers/temporal';

export interface IngressHarness {
  ingress: Ingress;
  client: Client;
  taskQueue: string;
  config: Config;
  /** Workflows ever started on the harness's task queue (Temporal visibility). */
  countWorkflows(): Promise<number>;
  close(): Promise<void>;
}

export async function startIngressHarness(
  opts: { config?: Config; logger?: Logger } = {},
): Promise<IngressHarness> {
  const connection = createTemporalConnection({ address: testTemporalAddress() });
  const client = new Client({ connection, namespace: process.env.TEMPORAL_TEST_NAMESPACE ?? 'default' });
  const taskQueue = uniqueQueue('sec');
  const config = opts.config ?? testConfig();
  const service = await startService(config, {
    logger: opts.logger ?? silentLogger,
    client,
    taskQueue,
    workers: false,
    ingress: {
      alertsClientOptions: { rpcTimeoutMs: 5_000 },
      relay: { initialBackoffMs: 100, maxBackoffMs: 1_000, pollIntervalMs: 500 },
    },
  });
  const ingress = service.ingress!;
  return {
    ingress,
    client,
    taskQueue,
    config,
    async countWorkflows() {
      const r = await client.workflow.count(`TaskQueue = "${taskQueue}"`);
      return r.count;
    },
    async close() {
      await service.close();
      await connection.close();
    },
  };
}

/** Wait until the visible workflow count reaches `expected`, then check it does not go past it. */
export async function settledWorkflowCount(
  h: IngressHarness,
  expected: number,
  timeoutMs = 15_000,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let n = await h.countWorkflows();
  while (n < expected && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    n = await h.countWorkflows();
  }
  await new Promise((r) => setTimeout(r, 750));
  return h.countWorkflows();
}

/** Rows in the harness's callback inbox, whatever their state. */
export function stored(h: IngressHarness): number {
  const c = h.ingress.inbox.counts();
  return c.received + c.applied + c.dead_lettered;
}
