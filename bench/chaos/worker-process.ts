/**
 * A worker in its own process, so the chaos run can SIGKILL it. Runs startService's workers (no ingress) against:
 *   TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, GENESYS_API_BASE + GENESYS_LOGIN_BASE (the emulator),
 *   GENESYS_CLIENT_ID / GENESYS_CLIENT_SECRET, GENESYS_TIMEOUT_MS, FALLBACK_WEBHOOK_URL (optional),
 *   CHAOS_TASK_QUEUE (the alerts queue; its Genesys companion is derived),
 *   CHAOS_WORKFLOW_BUNDLE (optional: a pre-built bundle file, so a respawn does not re-bundle),
 *   CHAOS_GENESYS_RPS (cap of the Genesys queue; default 0 = none).
 * SIGTERM/SIGINT shut it down gracefully; prints `worker ready` on stdout once polling.
 */
import fs from 'node:fs';
import { ConfigError, loadConfig } from '../../src/config';
import { createLogger } from '../../src/observability/logger';
import { installTemporalRuntimeLogger } from '../../src/observability/temporal-runtime';
import { startService } from '../../src/service';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel, name: 'chaos-worker' });
  installTemporalRuntimeLogger(logger);
  const taskQueue = process.env.CHAOS_TASK_QUEUE;
  const { credentials, apiBase, loginBase } = config.genesys;
  if (!taskQueue || !credentials || !apiBase || !loginBase || !config.temporal.address) {
    throw new ConfigError([
      'CHAOS_TASK_QUEUE, TEMPORAL_ADDRESS, GENESYS_API_BASE/GENESYS_LOGIN_BASE and GENESYS_CLIENT_ID/SECRET are required',
    ]);
  }
  const bundleFile = process.env.CHAOS_WORKFLOW_BUNDLE;
  const service = await startService(config, {
    logger,
    taskQueue,
    ingress: false,
    workers: {
      workflowBundle: bundleFile ? { code: fs.readFileSync(bundleFile, 'utf8') } : undefined,
      genesysActivitiesPerSecond: Number(process.env.CHAOS_GENESYS_RPS ?? 0),
    },
  });
  const stop = () => void service.close();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  const running = service.workers!.run();
  process.stdout.write(`worker ready pid=${process.pid} queue=${taskQueue}\n`);
  await running;
  await service.close();
}

main().catch((err: unknown) => {
  process.stderr.write(
    `chaos worker failed: ${err instanceof ConfigError ? err.message : String((err as Error)?.stack ?? err)}\n`,
  );
  process.exit(1);
});
