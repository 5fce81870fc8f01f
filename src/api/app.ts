import { randomUUID } from 'node:crypto';
import express, {
  type ErrorRequestHandler,
  type Express,
  type Request,
  type RequestHandler,
  type Response,
} from 'express';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { CallbackInbox } from '../callbacks/inbox';
import type { AlertsClient } from '../alerts';
import type { Config } from '../config';
import { payloadCodecFor } from '../codec';
import { auditTrail } from './audit';
import { bearerAuth } from './auth';
import { ingressMetrics } from './metrics';
import { METRICS_WWW_AUTHENTICATE, metricsTokenCheck } from './metrics-auth';
import { Readiness } from './readiness';
import { buildOpenApi } from './openapi';
import { methodNotAllowed } from './method-not-allowed';
import { sendProblem } from './problem';
import { jsonBodiesOnly } from './json-bodies';
import { perKeyRateLimit } from './rate-limit';
import { agentAppRoutes, type AgentAppRouteDeps } from './routes/agent-app';
import { alertRoutes } from './routes/alerts';
import { traceRequest } from './trace-request';
import { callbackRoute } from './routes/callbacks';
import { codecRoutes } from './routes/codec';
import { deadLetterRoutes } from './routes/dead-letters';
import { docsRoutes } from './routes/docs';

export interface AppDeps {
  config: Config;
  alerts: AlertsClient;
  inbox: CallbackInbox;
  logger: Logger;
  registry: Registry;
  /** Can Temporal be reached right now? (/readyz) */
  isReady: () => Promise<boolean>;
  /**
   * The clock /readyz's cache reads (default Date.now). Tests over HTTP set it so that how long a burst of
   * requests takes to arrive on a loaded machine does not decide how many checks it costs.
   */
  readinessNow?: () => number;
  /**
   * Development only: allow an empty INGRESS_API_KEYS (no auth on /v1/*) and a missing
   * PUBLIC_BASE_URL / CALLBACK_SIGNING_SECRET. Never set in production; the server sets it only
   * when NODE_ENV=development.
   */
  insecureDevMode?: boolean;
  /** The agent app's routes (when DESKTOP_CHANNELS has agent-app): the session exchange, clicks, and the page. */
  agentApp?: Omit<AgentAppRouteDeps, 'inbox' | 'logger'> & { page?: express.Router };
}

/** Limits on request bodies: alerts and callbacks are small; anything larger is a mistake or an attack. */
export const BODY_LIMIT_BYTES = 64 * 1024;

/** Start-up problems that make the ingress unsafe to run. */
export class IngressConfigError extends Error {
  override readonly name = 'IngressConfigError';
  constructor(readonly problems: string[]) {
    super(`Ingress cannot start:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export function checkIngressConfig(config: Config, insecureDevMode = false): string[] {
  if (insecureDevMode) return [];
  const problems: string[] = [];
  if (config.ingress.apiKeys.length === 0)
    problems.push(
      'INGRESS_API_KEYS: set at least one API key (or run with NODE_ENV=development for an open dev ingress)',
    );
  if (!config.ingress.callbackSigningSecret)
    problems.push('CALLBACK_SIGNING_SECRET: required to verify desktop callbacks');
  if (!config.ingress.publicBaseUrl)
    problems.push('PUBLIC_BASE_URL: required so desktop callbacks can find this service');
  if (config.ingress.actionUrlAllowedHosts.length === 0)
    problems.push(
      'ACTION_URL_ALLOWED_HOSTS: required: the hosts openUrl actions may link to (crm.example.com, *.example.com), ' +
        "so a caller cannot put any link on an agent's desktop",
    );
  if (
    config.desktopChannels.includes('agent-app') &&
    config.agentApp.genesysHost &&
    !config.agentApp.clientId
  )
    problems.push(
      'GENESYS_APP_CLIENT_ID: required for the agent-app channel on a real org: the PKCE OAuth client the agent app ' +
        'signs in with (`desktop-alerts genesys install-app --public-url <PUBLIC_BASE_URL>` creates it and prints the id)',
    );
  return problems;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

function requestId(): RequestHandler {
  return (req, res, next) => {
    const given = req.get('x-request-id');
    const id = given && REQUEST_ID.test(given) ? given : randomUUID();
    (res.locals as { requestId: string }).requestId = id;
    res.set('X-Request-Id', id);
    next();
  };
}

/** Route template for metrics labels (never the raw URL: ids would explode the cardinality). */
const routeLabel = (req: Request): string => {
  const r = (req as Request & { route?: { path?: unknown } }).route;
  return r && typeof r.path === 'string' ? `${req.baseUrl}${r.path}` : 'unmatched';
};

const requestIdOf = (res: Response): string => (res.locals as { requestId: string }).requestId;

/** The ingress app, not listening (the entry point or the tests do that). */
export function createApp(deps: AppDeps): Express {
  const problems = checkIngressConfig(deps.config, deps.insecureDevMode);
  if (problems.length > 0) throw new IngressConfigError(problems);
  const { logger, registry } = deps;
  const metrics = ingressMetrics(registry, deps.inbox);
  const codec = payloadCodecFor(deps.config.temporal);
  // The document of what this ingress serves: the agent-app routes and /codec only when they are on.
  const spec = buildOpenApi({
    agentApp: deps.agentApp !== undefined,
    codec: codec !== undefined,
    metricsToken: Boolean(deps.config.metrics?.token),
  });
  const openapi = JSON.stringify(spec);

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(requestId());
  app.use((req, res, next) => {
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const route = routeLabel(req);
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      metrics.httpRequests.inc({ method: req.method, route, status: String(res.statusCode) });
      metrics.httpDuration.observe({ method: req.method, route }, seconds);
      const quiet = route === '/healthz' || route === '/readyz' || route === '/metrics';
      logger[quiet ? 'debug' : 'info'](
        {
          requestId: requestIdOf(res),
          method: req.method,
          route,
          status: res.statusCode,
          ms: Math.round(seconds * 1e4) / 10,
        },
        'http request',
      );
    });
    next();
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  // At most one Temporal call a second however often /readyz is hit.
  const readiness = new Readiness({ isReady: deps.isReady, now: deps.readinessNow });
  app.get('/readyz', async (_req, res) => {
    const ready = await readiness.check();
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'temporal_unreachable' });
  });
  const metricsAllowed = metricsTokenCheck(deps.config.metrics?.token);
  app.get('/metrics', async (req, res) => {
    if (!metricsAllowed(req.get('authorization'))) {
      res.set('WWW-Authenticate', METRICS_WWW_AUTHENTICATE);
      return sendProblem(res, 'unauthorized', { detail: 'set Authorization: Bearer <METRICS_TOKEN>' });
    }
    res.type(registry.contentType).send(await registry.metrics());
  });
  app.get('/openapi.json', (_req, res) => {
    res.type('application/json').send(openapi);
  });
  // The API reference over /openapi.json (Swagger UI): public, as the spec is.
  app.use(docsRoutes());

  // Desktop callbacks: signed raw bytes, stored durably, answered at once (no Temporal call inline).
  app.use(
    callbackRoute({ inbox: deps.inbox, logger, metrics, secret: deps.config.ingress.callbackSigningSecret }),
  );

  // The agent app: its page (public), the session exchange (a Genesys token) and clicks (an agent session).
  if (deps.agentApp) {
    if (deps.agentApp.page) app.use('/agent-app', deps.agentApp.page);
    app.use(agentAppRoutes({ ...deps.agentApp, inbox: deps.inbox, logger }));
  }

  // What every API-key route runs first: the audit line, the key, the key's request limit (one budget per key for
  // /v1 and /codec together). Each route then names the roles it allows (auth.ts PERMISSIONS).
  const identify = [
    auditTrail(logger),
    bearerAuth(deps.config.ingress.apiKeys),
    perKeyRateLimit(deps.config.ingress.rateLimitPerMinute),
  ];

  // The codec endpoint for operators (Temporal's codec server protocol), only when payloads are encrypted: admin
  // keys only, each call audited (a decode reveals what the encryption hides).
  if (codec) {
    const corsOrigins = deps.config.temporal.codecCorsOrigins ?? [];
    app.use('/codec', codecRoutes({ codec, corsOrigins, auth: identify }));
  }

  // An alert's trace starts here (or continues the sender's traceparent): through its workflow to the downstream POST.
  app.post('/v1/alerts', traceRequest('/v1/alerts'));
  const v1 = express.Router();
  v1.use(...identify);
  v1.use(jsonBodiesOnly());
  v1.use(express.json({ limit: BODY_LIMIT_BYTES, strict: false }));
  v1.use(alertRoutes({ alerts: deps.alerts, metrics, logger }));
  v1.use(deadLetterRoutes({ inbox: deps.inbox }));
  app.use('/v1', v1);

  app.use(methodNotAllowed(spec.paths as Record<string, Record<string, unknown>>));
  app.use((_req, res) => sendProblem(res, 'notFound'));
  app.use(errorHandler(logger));
  return app;
}

function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, _req, res, _next) => {
    const type = (err as { type?: string }).type;
    if (type === 'entity.parse.failed')
      return sendProblem(res, 'malformedJson', { detail: 'the body could not be parsed as JSON' });
    if (type === 'entity.too.large') {
      // The limit of the parser that refused it: the routes' limits differ (16 kB, 64 kB, 4 MB).
      const limit = (err as { limit?: number }).limit;
      return sendProblem(res, 'tooLarge', {
        detail: `bodies here are limited to ${limit ?? BODY_LIMIT_BYTES} bytes`,
      });
    }
    if (type === 'encoding.unsupported' || type === 'charset.unsupported')
      return sendProblem(res, 'unsupportedMedia', { detail: String((err as Error).message) });
    // The router's own 400: a path whose percent-escapes do not decode (`/v1/alerts/%E0%A4%A`).
    if (err instanceof URIError || (err as { status?: number }).status === 400)
      return sendProblem(res, 'validation', { detail: 'the request path or its encoding is malformed' });
    logger.error({ err, requestId: requestIdOf(res) }, 'unhandled error');
    if (res.headersSent) return;
    sendProblem(res, 'internal');
  };
}
