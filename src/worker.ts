/**
 * `npm run worker`: a worker-only process (startService without the ingress) against the configured Temporal
 * and Genesys, with its Prometheus metrics on WORKER_METRICS_PORT when set. It refuses to start without
 * TEMPORAL_PAYLOAD_KEYS unless TEMPORAL_PAYLOAD_ENCRYPTION=off (or NODE_ENV=development) says plaintext on purpose.
 */
import http from 'node:http';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { METRICS_WWW_AUTHENTICATE, metricsTokenCheck, metricsUnauthorizedBody } from './api/metrics-auth';
import { payloadEncryptionCheck } from './codec';
import { ConfigError, checkWorkerConfig, loadConfigOrExit, type Config } from './config';
import { createLogger, type Logger } from './observability/logger';
import { installTemporalRuntime } from './observability/temporal-runtime';
import { startService } from './service';
import { ALERTS_TASK_QUEUE, GENESYS_TASK_QUEUE } from './shared/constants';
import { warnOnOldNode } from './node-version';

/** `npm run worker`: a worker process against the configured Temporal and Genesys. */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  // After the configuration: a bad one exits first, with its problems as the first lines.
  warnOnOldNode();
  const logger = createLogger({ level: config.logLevel, name: 'worker' });
  const payloads = payloadEncryptionCheck(
    config.temporal,
    process.env.NODE_ENV === 'development' ? 'development' : 'production',
  );
  if (payloads.error) {
    process.stderr.write(`Worker cannot start:\n  - ${payloads.error}\n`);
    process.exit(1);
  }
  if (payloads.warning) logger.warn(payloads.warning);
  const workerProblems = checkWorkerConfig(config);
  if (workerProblems.length > 0) {
    if (process.env.NODE_ENV !== 'development') throw new ConfigError(workerProblems);
    logger.warn({ problems: workerProblems }, 'NODE_ENV=development: starting anyway');
  }
  installTemporalRuntime(logger, { metricsBindAddress: config.metrics?.temporalBind });
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const metricsServer =
    config.metrics?.workerPort !== undefined ? await serveMetrics(registry, config, logger) : undefined;
  const service = await startService(config, { logger, registry, ingress: false });
  const stop = () => void service.close();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  logger.info({ taskQueues: [ALERTS_TASK_QUEUE, GENESYS_TASK_QUEUE] }, 'worker running');
  await service.workers!.run();
  await service.close();
  await new Promise<void>((resolve) => (metricsServer ? metricsServer.close(() => resolve()) : resolve()));
}

/**
 * A standalone worker's prom-client metrics on GET /metrics (WORKER_METRICS_PORT, on HOST), behind METRICS_TOKEN
 * when set, like the ingress's.
 */
export async function serveMetrics(registry: Registry, config: Config, logger: Logger): Promise<http.Server> {
  const port = config.metrics?.workerPort ?? 0;
  const allowed = metricsTokenCheck(config.metrics?.token);
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    if (!allowed(req.headers.authorization)) {
      res
        .writeHead(401, {
          'content-type': 'application/problem+json',
          'www-authenticate': METRICS_WWW_AUTHENTICATE,
        })
        .end(metricsUnauthorizedBody('/metrics'));
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (err: unknown) => res.writeHead(500).end(String(err)),
    );
  });
  const host = config.ingress.host;
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, resolve));
  logger.info({ host, port: (server.address() as { port: number }).port }, 'worker metrics on /metrics');
  return server;
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err instanceof ConfigError ? err.message : err);
    process.exit(1);
  });
}
