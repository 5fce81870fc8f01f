import { temporal } from '@temporalio/proto';
import type { Client } from '@temporalio/client';
import { deliverAlert } from '../../src/workflows';
import { genesysQueueFor } from '../../src/shared/constants';
import type { AlertInput } from '../../src/shared/schemas';
import { NativeConnection } from '@temporalio/worker';
import pino from 'pino';
import { createGenesysClient } from '../../src/genesys';
import { createWorkers, type AlertWorkers, type CreateWorkersOptions } from '../../src/service/workers';
import { workflowBundle, type Stack } from '../helpers/stack';
import { testTemporalAddress } from '../helpers/temporal';

/** Start alert workflows the way the launcher does (id = alertId), all at once. */
export function startAll(stack: Stack, inputs: AlertInput[]): Promise<unknown[]> {
  return Promise.all(
    inputs.map((input) =>
      stack.client.workflow.start(deliverAlert, {
        taskQueue: stack.taskQueue,
        workflowId: input.alertId,
        args: [input],
      }),
    ),
  );
}

/** Hold (rate 0) or release (remove the override) the stack's Genesys queue, as an operator would. */
export async function holdGenesysQueue(client: Client, alertsQueue: string, hold: boolean): Promise<void> {
  await client.workflowService.updateTaskQueueConfig({
    namespace: 'default',
    identity: 'test',
    taskQueue: genesysQueueFor(alertsQueue),
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
    updateQueueRateLimit: hold
      ? { rateLimit: { requestsPerSecond: 0 }, reason: 'test: building a backlog' }
      : { reason: 'test: released' },
  });
}

export async function genesysQueueDescription(client: Client, alertsQueue: string, reportStats = false) {
  return client.workflowService.describeTaskQueue({
    namespace: 'default',
    taskQueue: { name: genesysQueueFor(alertsQueue) },
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
    reportConfig: true,
    reportStats,
  });
}

export async function genesysQueueConfig(client: Client, alertsQueue: string) {
  const d = await client.workflowService.describeTaskQueue({
    namespace: 'default',
    taskQueue: { name: genesysQueueFor(alertsQueue) },
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
    reportConfig: true,
  });
  return d.config?.queueRateLimit ?? undefined;
}

/** The most events in any window of `windowMs` (sliding, not aligned buckets). */
export function slidingMax(times: number[], windowMs = 1000): number {
  const ts = [...times].sort((a, b) => a - b);
  let max = 0;
  for (let i = 0, j = 0; i < ts.length; i++) {
    while (ts[i]! - ts[j]! >= windowMs) j++;
    max = Math.max(max, i - j + 1);
  }
  return max;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Another worker process's worth (own Genesys client and caches, own gate) on the stack's task queues. */
export async function secondWorkers(
  stack: Stack,
  over: Partial<CreateWorkersOptions> = {},
): Promise<{ workers: AlertWorkers; close(): Promise<void> }> {
  const genesys = createGenesysClient({
    apiBase: stack.emulator.url,
    loginBase: stack.emulator.url,
    clientId: 'emulator-client',
    clientSecret: 'emulator-secret',
    timeoutMs: 2_000,
  });
  // Its own connection: the SDK refuses two workers on one queue through one client, as two processes would have.
  const connection = await NativeConnection.connect({ address: testTemporalAddress() });
  const cleanup = async () => {
    await genesys.close();
    await connection.close();
  };
  let workers: AlertWorkers;
  try {
    workers = await createWorkers({
      connection,
      namespace: 'default',
      config: {
        genesys: {
          rateLimitPerMinute: 300,
          rateLimitShare: 0.8,
          notificationsPath: '/api/v2/desktop/notifications',
          timeoutMs: 2000,
        },
        downstream: {},
        fallback: { smtpFrom: 'alerts@test' },
      },
      genesys,
      logger: pino({ level: 'silent' }),
      workflowBundle: await workflowBundle(),
      taskQueue: stack.taskQueue,
      genesysActivitiesPerSecond: 0,
      ...over,
    });
  } catch (err) {
    await cleanup();
    throw err;
  }
  const run = workers.run();
  return {
    workers,
    async close() {
      await workers.shutdown();
      await run;
      await cleanup();
    },
  };
}
