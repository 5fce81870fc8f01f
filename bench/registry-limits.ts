/**
 * The registry against a real Temporal dev server, for docs/SCALING.md: can one node's snapshot signal of N agents
 * be sent, can the workers' snapshots query answer for the total, and can the run continue as new carrying it?
 *
 *   npx tsx bench/registry-limits.ts [--agents=30000] [--nodes=1,4]
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { Worker, NativeConnection } from '@temporalio/worker';
import { startDevServer } from '../src/dev/temporal';
import {
  agentAppRegistryId,
  nodeSnapshotSignal,
  snapshotsQuery,
  type NodeSnapshot,
} from '../src/shared/agent-app';

const why = (err: unknown): string => {
  const e = err as Error & { cause?: Error & { details?: string } };
  return `${e.message}: ${e.cause?.details ?? e.cause?.message ?? ''}`.slice(0, 220);
};
const arg = (name: string, dflt: string): string =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt;
const agents = Number(arg('agents', '30000'));
const nodeCounts = arg('nodes', '1,4').split(',').map(Number);

async function main(): Promise<void> {
  const server = await startDevServer({ ui: false });
  const results: Record<string, unknown>[] = [];
  try {
    const connection = await NativeConnection.connect({ address: server.address });
    const c = new Client({ connection: await Connection.connect({ address: server.address }) });
    for (const n of nodeCounts) {
      const taskQueue = `registry-limits-${n}-${Date.now()}`;
      const worker = await Worker.create({
        connection,
        taskQueue,
        workflowsPath: require.resolve(path.join(__dirname, '..', 'src', 'workflows')),
      });
      const running = worker.run();
      const per = Math.ceil(agents / n);
      const row: Record<string, unknown> = { nodes: n, agents_per_node: per };
      const id = agentAppRegistryId(taskQueue);
      let sent = 0;
      for (let k = 0; k < n; k++) {
        const snap: NodeSnapshot = {
          nodeId: `ingress-${k}`,
          at: Date.now(),
          agents: Array.from({ length: per }, (_, i) => ({
            userId: randomUUID(),
            email: `firstname.lastname${k * per + i}@contact-centre.example.com`,
            name: `Firstname Lastname${k * per + i}`,
          })),
        };
        try {
          await c.workflow.signalWithStart('agentAppRegistry', {
            workflowId: id,
            taskQueue,
            signal: nodeSnapshotSignal,
            signalArgs: [snap],
            args: [],
          });
          sent++;
        } catch (err) {
          row.signal_error = why(err);
          break;
        }
      }
      row.signals_accepted = sent;
      if (sent > 0) {
        try {
          const nodes = await c.workflow.getHandle(id).query(snapshotsQuery);
          row.query_nodes = nodes.length;
        } catch (err) {
          row.query_error = why(err);
        }
        const desc = await c.workflow.getHandle(id).describe();
        row.status = desc.status.name;
        row.history_bytes = Number(desc.raw.workflowExecutionInfo?.historySizeBytes ?? 0);
        if (desc.status.name !== 'RUNNING') {
          const history = await c.workflow
            .getHandle(id)
            .fetchHistory()
            .catch((err: unknown) => {
              row.history_fetch_error = why(err);
              return { events: [] as never[] };
            });
          const last = history.events?.at(-1);
          const t = last?.workflowExecutionTerminatedEventAttributes;
          row.ended_by = t ? `terminated: ${t.reason ?? ''}` : String(last?.eventType);
          const failed = history.events?.filter((e) => e.workflowTaskFailedEventAttributes).at(-1);
          if (failed)
            row.last_task_failure = failed.workflowTaskFailedEventAttributes?.failure?.message?.slice(0, 200);
        }
      }
      results.push(row);
      worker.shutdown();
      await running;
    }
  } finally {
    await server.stop();
  }
  console.log(JSON.stringify({ agents, results }, null, 2));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
