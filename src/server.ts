/**
 * `npm run server`: an ingress-only process (startService without workers). Start-up refuses an empty
 * INGRESS_API_KEYS, a missing CALLBACK_SIGNING_SECRET or a missing PUBLIC_BASE_URL with one line per problem
 * (exit 1), and so does a missing TEMPORAL_PAYLOAD_KEYS unless TEMPORAL_PAYLOAD_ENCRYPTION=off; only NODE_ENV=development
 * relaxes that, loudly. Temporal being down never blocks start-up.
 */
import { Registry, collectDefaultMetrics } from 'prom-client';
import { IngressConfigError } from './api/app';
import { payloadEncryptionCheck } from './codec';
import { loadConfigOrExit } from './config';
import { createLogger } from './observability/logger';
import { startService } from './service';
import type { Ingress } from './service/ingress';
import { warnOnOldNode } from './node-version';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  // After the configuration: a bad one exits first, with its problems as the first lines.
  warnOnOldNode();
  const logger = createLogger({ level: config.logLevel, name: 'ingress' });
  const insecureDevMode = process.env.NODE_ENV === 'development';
  if (insecureDevMode)
    logger.warn(
      'NODE_ENV=development: missing API keys / signing secret are tolerated. Never run like this in production.',
    );
  const payloads = payloadEncryptionCheck(config.temporal, insecureDevMode ? 'development' : 'production');
  if (payloads.error) {
    process.stderr.write(`Ingress cannot start:\n  - ${payloads.error}\n`);
    process.exit(1);
  }
  if (payloads.warning) logger.warn(payloads.warning);
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  let ingress: Ingress;
  try {
    ingress = (await startService(config, { logger, registry, workers: false, ingress: { insecureDevMode } }))
      .ingress!;
  } catch (err) {
    if (err instanceof IngressConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    ingress.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`ingress failed to start: ${String((err as Error)?.stack ?? err)}\n`);
    process.exit(1);
  });
}
