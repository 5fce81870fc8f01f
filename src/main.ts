/**
 * `npm start`: the whole service on one machine with embedded defaults. Starts a Temporal dev
 * server (unless TEMPORAL_ADDRESS or a temporal.toml profile gives an address), the Genesys emulator
 * (unless Genesys credentials are set), the workers and the ingress; Ctrl-C stops all of it.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { checkWorkerConfig, loadConfigOrExit, type ApiKey, type Config } from './config';
import { freePort, startDevServer, type DevServer } from './dev/temporal';
import { LIFECYCLE as AGENT_APP_LIFECYCLE } from './cli/install-app/wanted';
import { startEmulator, type Emulator } from './emulator';
import { DEMO_USERS } from './emulator/demo-users';
import { payloadEncryptionCheck } from './codec';
import { createLogger } from './observability/logger';
import { installTemporalRuntime } from './observability/temporal-runtime';
import { closeInReverse, startService } from './service';
import { warnOnOldNode } from './node-version';

/** `npm start`'s key when INGRESS_API_KEYS is unset: an admin named `dev` (its alerts' AlertSource). */
const DEV_API_KEY: ApiKey = { name: 'dev', role: 'admin', key: 'dev-key' };
/** Where the embedded demo's openUrl actions may link (the README's examples use crm.example.com). */
const DEV_ACTION_URL_HOSTS = ['crm.example.com', '*.example.com', 'localhost', '127.0.0.1'];

/** The conventional port when it is free (so the UI is where people expect it), any free port when not. */
function portOr(preferred: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', () => freePort().then(resolve, reject));
    s.listen(preferred, '127.0.0.1', () => s.close(() => resolve(preferred)));
  });
}

/** A signing secret for the embedded emulator, kept in the data folder so restarts agree. */
function devSigningSecret(dataDir: string): string {
  const file = path.join(dataDir, 'dev-callback-secret');
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  const secret = `whsec_${randomBytes(24).toString('base64')}`;
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

async function main(): Promise<void> {
  let config: Config = loadConfigOrExit();
  // After the configuration: a bad one exits first, with its problems as the first lines.
  warnOnOldNode();
  const logger = createLogger({ level: config.logLevel, name: 'desktop-alerts' });
  // Embedded mode runs without a payload key, but says so once.
  const payloads = payloadEncryptionCheck(config.temporal, 'embedded');
  if (payloads.warning) logger.warn(payloads.warning);
  // The SDK's own metrics on their own port (Runtime.install: once per process, before any worker).
  const { metricsBindAddress: temporalMetricsBind } = installTemporalRuntime(logger, {
    metricsBindAddress: config.metrics?.temporalBind ?? `127.0.0.1:${await portOr(9464)}`,
  });
  const temporalMetricsUrl = temporalMetricsBind
    ? `http://${temporalMetricsBind.replace(/^0\.0\.0\.0:/, '127.0.0.1:')}/metrics`
    : 'off';
  const stops: Array<() => Promise<void>> = [];
  let workersStopped: Promise<void> | undefined;
  const stopAll = () => closeInReverse(stops, logger);

  try {
    let temporal: DevServer | undefined;
    if (!config.temporal.address) {
      const port = await portOr(7233);
      temporal = await startDevServer({
        port,
        uiPort: await portOr(8233),
        dbFile: path.resolve(config.dataDir, 'temporal.sqlite'),
        logFile: path.resolve(config.dataDir, 'temporal.log'),
        log: (m) => logger.info(m),
      });
      stops.push(() => temporal!.stop());
      config = {
        ...config,
        // The embedded server is local and plaintext: no TLS, API key or headers a profile may hold for another.
        temporal: {
          ...config.temporal,
          address: temporal.address,
          namespace: temporal.namespace,
          tls: undefined,
          apiKey: undefined,
          metadata: undefined,
        },
      };
    }

    let emulator: Emulator | undefined;
    let credentials = config.genesys.credentials;
    // The agent app's URL as a Genesys integration registers it; known once the ingress's port is.
    let agentAppUrl: string | undefined;
    if (!credentials) {
      const secret = config.ingress.callbackSigningSecret ?? devSigningSecret(config.dataDir);
      emulator = await startEmulator({
        port: await portOr(Number(process.env.EMULATOR_PORT ?? 4010)),
        rateLimitPerMinute: config.genesys.rateLimitPerMinute,
        callbackSigningSecret: secret,
        users: DEMO_USERS,
        notificationsPath: config.genesys.notificationsPath,
        // The emulator's desktop shell frames the agent app, as Genesys frames an installed Client App.
        agentAppUrl: () => agentAppUrl,
        // With the lifecycle hooks `genesys install-app` registers, so the shell holds the app as Genesys would.
        agentAppLifecycle: AGENT_APP_LIFECYCLE,
      });
      stops.push(() => emulator!.close());
      credentials = { clientId: 'emulator-client', clientSecret: 'emulator-secret' };
      config = {
        ...config,
        genesys: { ...config.genesys, credentials, apiBase: emulator.url, loginBase: emulator.url },
        ingress: { ...config.ingress, callbackSigningSecret: secret },
        // The emulator's public PKCE client, and its desktop shell as the only host allowed to frame the app.
        agentApp: {
          ...config.agentApp,
          clientId: config.agentApp.clientId ?? 'emulator-agent-app',
          hostOrigins: config.agentApp.hostOrigins.length > 0 ? config.agentApp.hostOrigins : [emulator.url],
        },
      };
    }

    const port = config.ingress.port || (await freePort());
    const embedded = !!emulator;
    const apiKeys =
      config.ingress.apiKeys.length > 0 ? config.ingress.apiKeys : embedded ? [DEV_API_KEY] : [];
    const actionUrlAllowedHosts =
      config.ingress.actionUrlAllowedHosts.length > 0
        ? config.ingress.actionUrlAllowedHosts
        : embedded
          ? DEV_ACTION_URL_HOSTS
          : [];
    config = {
      ...config,
      ingress: {
        ...config.ingress,
        port,
        apiKeys,
        actionUrlAllowedHosts,
        publicBaseUrl: config.ingress.publicBaseUrl ?? `http://127.0.0.1:${port}`,
      },
    };

    if (config.desktopChannels.includes('agent-app')) {
      agentAppUrl =
        `${config.ingress.publicBaseUrl}/agent-app/?gcHostOrigin={{gcHostOrigin}}&gcTargetEnv={{gcTargetEnv}}` +
        '&gcLangTag={{gcLangTag}}&gcUseDarkTheme={{gcUseDarkTheme}}';
    }

    // A fallback webhook without its own key is sent unsigned: a standalone worker refuses to start, npm start warns.
    for (const problem of checkWorkerConfig(config)) logger.warn(problem);

    // One registry: the ingress's /metrics shows the worker's series too (alerts finished, stages, Genesys calls).
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    const service = await startService(config, { logger, registry });
    workersStopped = service.workers?.run();
    stops.push(() => service.close());
    const ingress = service.ingress!;

    logger.info(
      {
        api: ingress.url,
        bound: ingress.bound,
        temporal: config.temporal.address,
        temporalUi: temporal?.uiUrl,
        emulator: emulator?.url,
        desktop: emulator ? `${emulator.url}/desktop?agent=${DEMO_USERS[0]!.id}` : undefined,
        metrics: `${ingress.url}/metrics`,
        temporalMetrics: temporalMetricsUrl,
      },
      'desktop-alerts is running',
    );
    if (emulator && config.ingress.apiKeys.includes(DEV_API_KEY)) {
      logger.warn(
        `embedded mode: the API key is '${DEV_API_KEY.key}', role admin (set INGRESS_API_KEYS for anything else)`,
      );
    }
    if (emulator && actionUrlAllowedHosts === DEV_ACTION_URL_HOSTS) {
      logger.warn(
        `embedded mode: openUrl actions may link to ${DEV_ACTION_URL_HOSTS.join(', ')} (set ACTION_URL_ALLOWED_HOSTS for others)`,
      );
    }
    process.stdout.write(
      [
        '',
        `  API          ${ingress.url}   (bound to ${ingress.bound}; HOST=0.0.0.0 to listen on every interface; try: curl ${ingress.url}/healthz)`,
        temporal ? `  Temporal UI  ${temporal.uiUrl}` : `  Temporal     ${config.temporal.address}`,
        emulator
          ? `  Emulator     ${emulator.url}   (agents: ${DEMO_USERS.map((u) => u.email).join(', ')})`
          : '',
        emulator
          ? `  Desktop      ${emulator.url}/desktop?agent=${DEMO_USERS[0]!.id}   (${DEMO_USERS[0]!.name}'s desktop: the agent app and live toasts)`
          : '',
        agentAppUrl
          ? `  Agent app    ${ingress.url}/agent-app/   (channels: ${config.desktopChannels.join(', ')})`
          : '',
        `  Metrics      ${ingress.url}/metrics   (Temporal SDK: ${temporalMetricsUrl})`,
        '',
      ]
        .filter((l) => l !== undefined)
        .join('\n') + '\n',
    );
  } catch (err) {
    logger.error({ err }, 'start-up failed');
    await stopAll();
    process.exit(1);
  }

  let stopping = false;
  const shutDown = (why: Record<string, unknown>, exitCode: number) => {
    if (stopping) return;
    stopping = true;
    logger.info(why, 'shutting down');
    stopAll().then(
      () => process.exit(exitCode),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => shutDown({ signal: 'SIGINT' }, 0));
  process.on('SIGTERM', () => shutDown({ signal: 'SIGTERM' }, 0));
  // A worker that stops on its own has failed (startService logs why): stop the rest and exit non-zero, so
  // whatever supervises the process restarts it, rather than serving an ingress whose alerts never run.
  void workersStopped?.catch(() => shutDown({ reason: 'a worker failed' }, 1));
}

void main();
