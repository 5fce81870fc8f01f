import { temporal } from '@temporalio/proto';
import type { Client } from '@temporalio/client';
import { deliverAlert } from '../../src/workflows';
import { genesysQueueFor } from '../../src/shared/constants';
import type { AlertInput } from '../../src/shared/schemas';
import pino from 'pino';
import { startService, type AlertWorkers, type CreateWorkersOptions } from '../../src/service';
import { testConfig } from '../helpers/config';
import { emulatorCredentials, workflowBundle, type Stack } from '../helpers/stack';

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
  // Its own Genesys client and its own Temporal connection (startService opens one): the SDK refuses two workers
  // on one queue through one client, as two processes would have.
  const base = testConfig();
  const service = await startService(
    { ...base, genesys: { ...base.genesys, ...emulatorCredentials(stack.emulator) } },
    {
      logger: pino({ level: 'silent' }),
      taskQueue: stack.taskQueue,
      ingress: false,
      workers: { workflowBundle: await workflowBundle(), genesysActivitiesPerSecond: 0, ...over },
    },
  );
  return { workers: service.workers!, close: () => service.close() };
}
