import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EmulatorCore } from './core';
import { handleControl } from './control-http';
import { DesktopStreams, serveDesktopPage } from './desktop';
import type { EmulatorUser } from './types';
import { EmulatorControlError } from './types';
import { genesysError } from './genesys-errors';
import { presenceDefinitionId } from './presence';
import { nowMs, TimerSet } from './time';
import { validateNotification } from './validate';

const MAX_BODY = 1024 * 1024;

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

interface Ctx {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  raw: Buffer;
  correlationId: string;
  clientId: string | null;
  /** Set by a handler that injected a fault itself (presence flip). */
  fault: string | null;
}

class HttpError extends Error {
  constructor(readonly reply: Reply) {
    super(`HTTP ${reply.status}`);
  }
}

function err(
  ctx: Ctx,
  status: number,
  opts: Parameters<typeof genesysError>[2] = {},
  headers?: Record<string, string>,
): Reply {
  return { status, body: genesysError(status, ctx.correlationId, opts), headers };
}

function isJson(ctx: Ctx): boolean {
  const ct = ctx.headers['content-type'];
  return typeof ct === 'string' && /^application\/([\w.+-]*\+)?json\b/i.test(ct.trim());
}

function parseJson(ctx: Ctx): unknown {
  if (!isJson(ctx)) throw new HttpError(err(ctx, 415));
  try {
    return JSON.parse(ctx.raw.toString('utf8'));
  } catch {
    throw new HttpError(
      err(ctx, 400, { code: 'bad.request', message: 'Unable to parse the request body as JSON.' }),
    );
  }
}

// ------------------------------------------------------------------------------- representations

function presenceRep(u: EmulatorUser, upper = false) {
  return {
    presenceDefinition: {
      id: presenceDefinitionId(u.presence),
      systemPresence: upper ? u.presence.toUpperCase().replace(/ /g, '_') : u.presence,
      selfUri: `/api/v2/presencedefinitions/${presenceDefinitionId(u.presence)}`,
    },
    modifiedDate: u.presenceModifiedDate,
    source: 'PURECLOUD',
    primary: true,
  };
}

function userRep(u: EmulatorUser, expand: Set<string>) {
  const rep: Record<string, unknown> = {
    id: u.id,
    name: u.name,
    email: u.email,
    username: u.email,
    state: u.state,
    version: u.version,
    selfUri: `/api/v2/users/${u.id}`,
  };
  if (expand.has('routingstatus'))
    rep.routingStatus = { userId: u.id, status: u.routingStatus, startTime: u.routingStatusStartTime };
  if (expand.has('presence')) rep.presence = presenceRep(u);
  return rep;
}

function expandSet(values: unknown): Set<string> {
  const out = new Set<string>();
  const add = (v: unknown) => {
    if (typeof v === 'string') for (const p of v.split(',')) if (p.trim()) out.add(p.trim().toLowerCase());
  };
  if (Array.isArray(values)) values.forEach(add);
  else add(values);
  return out;
}

/** The expand this answer honours: `presence` may be left out (fault presenceExpandOmitRate). */
function honouredExpand(core: EmulatorCore, ctx: Ctx, values: unknown): Set<string> {
  const expand = expandSet(values);
  if (expand.has('presence') && core.faults.shouldOmitPresenceExpand()) {
    expand.delete('presence');
    ctx.fault = 'presence-omitted';
  }
  return expand;
}

// ------------------------------------------------------------------------------- API handlers

function oauthToken(core: EmulatorCore, ctx: Ctx): Reply {
  const oauthErr = (
    status: number,
    error: string,
    description: string,
    headers?: Record<string, string>,
  ): Reply => ({
    status,
    body: { error, description, error_description: description },
    headers,
  });
  const ct = ctx.headers['content-type'];
  if (typeof ct !== 'string' || !/^application\/x-www-form-urlencoded\b/i.test(ct.trim())) {
    return oauthErr(400, 'invalid_request', 'Content-Type must be application/x-www-form-urlencoded');
  }
  const form = new URLSearchParams(ctx.raw.toString('utf8'));
  let basic: { id: string; secret: string } | null = null;
  const auth = ctx.headers.authorization;
  if (typeof auth === 'string' && /^Basic\s+/i.test(auth)) {
    const decoded = Buffer.from(auth.replace(/^Basic\s+/i, '').trim(), 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    if (i < 0)
      return oauthErr(401, 'invalid_client', 'Malformed Basic credentials', {
        'www-authenticate': 'Basic realm="oauth"',
      });
    basic = { id: decodeURIComponent(decoded.slice(0, i)), secret: decodeURIComponent(decoded.slice(i + 1)) };
  }
  const formId = form.get('client_id');
  const formSecret = form.get('client_secret');
  if (basic && formSecret !== null)
    return oauthErr(400, 'invalid_request', 'Use one client authentication method, not both');
  const grant = form.get('grant_type');
  if (!grant) return oauthErr(400, 'invalid_request', 'grant_type is required');
  if (grant !== 'client_credentials')
    return oauthErr(400, 'unsupported_grant_type', `Unsupported grant type: ${grant}`);
  if (basic) {
    if (!core.tokens.checkClient(basic.id, basic.secret)) {
      return oauthErr(401, 'invalid_client', 'client authentication failed', {
        'www-authenticate': 'Basic realm="oauth"',
      });
    }
    ctx.clientId = basic.id;
  } else {
    if (!formId || !formSecret)
      return oauthErr(
        400,
        'invalid_client',
        'client credentials are required (HTTP Basic or client_id/client_secret)',
      );
    if (!core.tokens.checkClient(formId, formSecret))
      return oauthErr(400, 'invalid_client', 'client authentication failed');
    ctx.clientId = formId;
  }
  const { token, expiresIn } = core.tokens.issue(ctx.clientId);
  return {
    status: 200,
    body: { access_token: token, token_type: 'bearer', expires_in: expiresIn },
    headers: { 'cache-control': 'no-store', pragma: 'no-cache' },
  };
}

const SEARCH_TYPES = new Set(['EXACT', 'CONTAINS', 'STARTS_WITH', 'TERM', 'MATCH_ALL']);
const SEARCH_FIELDS = new Set(['email', 'name', 'id', 'state', 'username']);

function usersSearch(core: EmulatorCore, ctx: Ctx): Reply {
  const body = parseJson(ctx);
  const bad = (message: string) => err(ctx, 400, { code: 'invalid.value', message });
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return bad('The search request must be a JSON object.');
  const b = body as Record<string, unknown>;
  const pageSize = b.pageSize === undefined ? 25 : b.pageSize;
  const pageNumber = b.pageNumber === undefined ? 1 : b.pageNumber;
  if (typeof pageSize !== 'number' || !Number.isInteger(pageSize) || pageSize < 1 || pageSize > 100)
    return bad('pageSize must be an integer between 1 and 100.');
  if (typeof pageNumber !== 'number' || !Number.isInteger(pageNumber) || pageNumber < 1)
    return bad('pageNumber must be a positive integer.');
  if (!Array.isArray(b.query) || b.query.length === 0)
    return bad('query is required: a non-empty list of criteria.');
  if (b.query.length > 10) return bad('At most 10 query criteria are allowed.');
  type Pred = (u: EmulatorUser) => boolean;
  const preds: Pred[] = [];
  let emailCandidates: EmulatorUser[] | null = null;
  for (const [i, raw] of b.query.entries()) {
    if (typeof raw !== 'object' || raw === null) return bad(`query[${i}] must be an object.`);
    const q = raw as Record<string, unknown>;
    const type = typeof q.type === 'string' ? q.type.toUpperCase() : '';
    if (!SEARCH_TYPES.has(type))
      return bad(`query[${i}].type must be one of ${[...SEARCH_TYPES].join(', ')}.`);
    if (type === 'MATCH_ALL') continue;
    const fields = Array.isArray(q.fields) ? q.fields : typeof q.field === 'string' ? [q.field] : null;
    if (
      !fields ||
      fields.length === 0 ||
      !fields.every((f) => typeof f === 'string' && SEARCH_FIELDS.has(f))
    ) {
      return bad(`query[${i}].fields must list fields among ${[...SEARCH_FIELDS].join(', ')}.`);
    }
    let values: string[];
    if (q.values !== undefined) {
      if (!Array.isArray(q.values) || q.values.length === 0 || !q.values.every((v) => typeof v === 'string'))
        return bad(`query[${i}].values must be a non-empty list of strings.`);
      values = q.values as string[];
    } else if (typeof q.value === 'string') values = [q.value];
    else return bad(`query[${i}] needs value or values.`);
    if (values.length > 100) return bad(`query[${i}].values: at most 100 values.`);
    const lv = values.map((v) => v.toLowerCase());
    const fieldVal = (u: EmulatorUser, f: string): string =>
      (f === 'username' ? u.email : String(u[f as keyof EmulatorUser])).toLowerCase();
    const match = (s: string): boolean =>
      type === 'EXACT'
        ? lv.includes(s)
        : type === 'STARTS_WITH'
          ? lv.some((v) => s.startsWith(v))
          : type === 'TERM'
            ? lv.some((v) => s.split(/[\s@.,]+/).includes(v))
            : lv.some((v) => s.includes(v));
    preds.push((u) => (fields as string[]).some((f) => match(fieldVal(u, f))));
    if (type === 'EXACT' && fields.length === 1 && fields[0] === 'email' && emailCandidates === null) {
      const seen = new Set<string>();
      emailCandidates = [];
      for (const v of values) {
        for (const u of core.users.byEmail(v)) {
          if (seen.has(u.id)) continue;
          seen.add(u.id);
          emailCandidates.push(u);
        }
      }
    }
  }
  const expand = honouredExpand(core, ctx, b.expand);
  const source: Iterable<EmulatorUser> = emailCandidates ?? core.users.all();
  const hits: EmulatorUser[] = [];
  for (const u of source) if (preds.every((p) => p(u))) hits.push(u);
  const total = hits.length;
  const page = hits.slice((pageNumber - 1) * pageSize, pageNumber * pageSize);
  const res: Record<string, unknown> = {
    total,
    pageCount: Math.ceil(total / pageSize),
    pageSize,
    pageNumber,
    types: ['users'],
  };
  if (page.length > 0 || !core.config.current.searchOmitsEmptyResults)
    res.results = page.map((u) => userRep(u, expand));
  return { status: 200, body: res };
}

function getUser(core: EmulatorCore, ctx: Ctx, id: string): Reply {
  const u = core.users.rec(id);
  const wantDeleted = ctx.query.get('state') === 'deleted';
  if (!u || (u.state === 'deleted' && !wantDeleted))
    return err(ctx, 404, { code: 'not.found', message: `User ${id} not found.` });
  return { status: 200, body: userRep(u, honouredExpand(core, ctx, ctx.query.getAll('expand'))) };
}

function routingStatus(core: EmulatorCore, id: string): Reply {
  const u = core.users.rec(id);
  // The real endpoint answers OFF_QUEUE for users that do not exist (GENESYS.md).
  if (!u) return { status: 200, body: { userId: id, status: 'OFF_QUEUE' } };
  return {
    status: 200,
    body: { userId: u.id, status: u.routingStatus, startTime: u.routingStatusStartTime },
  };
}

function bulkPresence(core: EmulatorCore, ctx: Ctx): Reply {
  const ids = ctx.query
    .getAll('id')
    .flatMap((v) => v.split(','))
    .filter(Boolean);
  if (ids.length === 0)
    return err(ctx, 400, { code: 'invalid.value', message: 'At least one id is required.' });
  if (ids.length > 100)
    return err(ctx, 400, { code: 'invalid.value', message: 'At most 100 ids are allowed.' });
  const out: unknown[] = [];
  for (const id of new Set(ids)) {
    const u = core.users.rec(id);
    // Casing differs from the user expand on purpose, as it does between real endpoints: clients normalise.
    if (u && u.state !== 'deleted') out.push({ userId: u.id, ...presenceRep(u, true) });
  }
  return { status: 200, body: out };
}

function postNotification(core: EmulatorCore, ctx: Ctx): Reply {
  const body = parseJson(ctx);
  const now = Date.now();
  const v = validateNotification(body, now);
  if (!v.ok) {
    return err(ctx, 400, {
      code: 'bad.request',
      message: `Invalid notification: ${v.problems.map((p) => p.message).join(' ')}`,
      details: v.problems,
      errors: v.problems.map((p) => ({
        message: p.message,
        code: p.errorCode,
        status: 400,
        details: [{ fieldName: p.fieldName }],
      })),
    });
  }
  const n = v.value;
  const fingerprint = ctx.raw.toString('utf8');
  const rep = (rec: ReturnType<EmulatorCore['notifications']['create']>) => ({
    id: rec.id,
    status: 'queued',
    userId: rec.userId,
    title: rec.title,
    message: rec.message,
    type: rec.type,
    idempotencyKey: rec.idempotencyKey ?? undefined,
    actions: rec.actions,
    expiresAt: rec.expiresAt ?? undefined,
    dateCreated: rec.createdAt,
    selfUri: `${core.config.current.notificationsPath}/${rec.id}`,
  });
  if (n.idempotencyKey !== null) {
    const replay = core.notifications.findReplay(n.idempotencyKey, fingerprint, now);
    if (replay) return { status: core.config.current.duplicateStatus, body: rep(replay) };
  }
  const user = core.users.rec(n.userId);
  if (!user || user.state === 'deleted')
    return err(ctx, 404, { code: 'not.found', message: `User ${n.userId} not found.` });
  if (core.faults.shouldFlipPresence(user)) {
    core.flipOffline(user);
    ctx.fault = 'presence-flip';
    return err(ctx, 409, {
      code: 'user.session.changed',
      message: `The agent's desktop session changed (the agent logged out) since it was checked.`,
    });
  }
  const rec = core.notifications.create(
    n,
    core.users.rec(n.userId) as EmulatorUser,
    ctx.clientId,
    fingerprint,
    now,
  );
  return {
    status: 201,
    body: rep(rec),
    headers: { location: `${core.config.current.notificationsPath}/${rec.id}` },
  };
}

// ------------------------------------------------------------------------------- routing

type ApiHandler = (core: EmulatorCore, ctx: Ctx, params: string[]) => Reply;
interface Route {
  name: string;
  match: (path: string, core: EmulatorCore) => string[] | null;
  methods: Record<string, ApiHandler>;
}

const re = (r: RegExp) => (path: string) => {
  const m = r.exec(path);
  return m ? m.slice(1).map((s) => decodeURIComponent(s)) : null;
};

const routes: Route[] = [
  { name: '/oauth/token', match: re(/^\/oauth\/token$/), methods: { POST: (c, x) => oauthToken(c, x) } },
  {
    name: '/api/v2/users/search',
    match: re(/^\/api\/v2\/users\/search$/),
    methods: { POST: (c, x) => usersSearch(c, x) },
  },
  {
    name: '/api/v2/users/presences/purecloud/bulk',
    match: re(/^\/api\/v2\/users\/presences\/purecloud\/bulk$/),
    methods: { GET: (c, x) => bulkPresence(c, x) },
  },
  {
    name: '/api/v2/users/{userId}/routingstatus',
    match: re(/^\/api\/v2\/users\/([^/]+)\/routingstatus$/),
    methods: { GET: (c, _x, p) => routingStatus(c, p[0]!) },
  },
  {
    name: '/api/v2/users/{userId}',
    match: re(/^\/api\/v2\/users\/([^/]+)$/),
    methods: { GET: (c, x, p) => getUser(c, x, p[0]!) },
  },
  {
    name: '{notificationsPath}',
    match: (path, core) => (path === core.config.current.notificationsPath ? [] : null),
    methods: { POST: (c, x) => postNotification(c, x) },
  },
];

// ------------------------------------------------------------------------------- server

export interface RunningServer {
  server: http.Server;
  port: number;
  close(): Promise<void>;
}

export async function startServer(core: EmulatorCore, host: string, port: number): Promise<RunningServer> {
  const timers = new TimerSet();
  const desktops = new DesktopStreams(core);

  const send = (res: http.ServerResponse, correlationId: string, reply: Reply): void => {
    if (res.headersSent || res.destroyed) return;
    const payload = reply.body === undefined ? '' : JSON.stringify(reply.body);
    const headers: Record<string, string | number> = {
      'ININ-Correlation-Id': correlationId,
      ...(reply.headers ?? {}),
    };
    if (payload) {
      headers['content-type'] = 'application/json; charset=UTF-8';
      headers['content-length'] = Buffer.byteLength(payload);
    }
    res.writeHead(reply.status, headers);
    res.end(payload);
  };

  const handleApi = async (
    ctx: Ctx,
    res: http.ServerResponse,
    arrivedAt: number,
    started: number,
  ): Promise<void> => {
    const { method, path } = ctx;
    let routeName = `${method} ${path.startsWith('/api/') ? '(unknown)' : path}`;
    let fault: string | null = null;
    let reply: Reply;
    try {
      reply = (() => {
        let route: Route | undefined;
        let params: string[] | null = null;
        for (const r of routes) {
          params = r.match(path, core);
          if (params) {
            route = r;
            break;
          }
        }
        if (route)
          routeName = `${method} ${route.name === '{notificationsPath}' ? core.config.current.notificationsPath : route.name}`;
        const isToken = route?.name === '/oauth/token';
        const extra: Record<string, string> = {};
        if (!isToken) {
          const auth = core.tokens.authenticate(ctx.headers.authorization);
          if (!auth.ok) return err(ctx, 401, { code: auth.code, message: auth.message });
          ctx.clientId = auth.clientId;
          const rl = core.rateLimiter.take(auth.clientId, Date.now());
          if (rl) {
            Object.assign(extra, rl.headers);
            if (rl.limited) {
              fault = 'ratelimit';
              return err(
                ctx,
                429,
                {
                  message: `Rate limit exceeded the maximum. Retry the request in [${rl.retryAfter}] seconds`,
                },
                { ...extra, 'retry-after': String(rl.retryAfter) },
              );
            }
          }
        }
        const forced = core.faults.takeForced(method, path);
        if (forced) {
          fault = 'forced';
          const h: Record<string, string> = { ...extra };
          if (forced.retryAfterSeconds !== null) h['retry-after'] = String(forced.retryAfterSeconds);
          const opts =
            forced.status === 429
              ? {
                  message: `Rate limit exceeded the maximum. Retry the request in [${forced.retryAfterSeconds ?? 1}] seconds`,
                }
              : {};
          return err(ctx, forced.status, opts, h);
        }
        const errorStatus = core.faults.errorRateHit(path);
        if (errorStatus !== null) {
          fault = 'error-rate';
          return err(ctx, errorStatus, {}, extra);
        }
        if (!route) return err(ctx, 404, { message: `No resource found at ${path}.` }, extra);
        const h = route.methods[method];
        if (!h) return err(ctx, 405, {}, { ...extra, allow: Object.keys(route.methods).join(', ') });
        let r: Reply;
        try {
          r = h(core, ctx, params ?? []);
        } catch (e) {
          if (e instanceof HttpError) r = e.reply;
          else throw e;
        }
        if (ctx.fault) fault = ctx.fault;
        return { ...r, headers: { ...extra, ...(r.headers ?? {}) } };
      })();
    } catch (e) {
      core.logger?.warn({ err: e, path }, 'emulator: handler failed');
      reply = err(ctx, 500);
    }
    const delay = core.faults.latencyFor(path);
    if (delay > 0 && !(await timers.sleep(delay))) return;
    send(res, ctx.correlationId, reply);
    core.requests.log({
      at: arrivedAt,
      method,
      path,
      route: routeName,
      status: reply.status,
      clientId: ctx.clientId,
      latencyMs: performance.now() - started,
      correlationId: ctx.correlationId,
      fault,
    });
  };

  const server = http.createServer((req, res) => {
    const arrivedAt = nowMs();
    const started = performance.now();
    const correlationId = randomUUID();
    const url = new URL(req.url ?? '/', 'http://emulator');
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) tooLarge = true;
      else chunks.push(c);
    });
    req.on('error', () => undefined);
    req.on('end', () => {
      const ctx: Ctx = {
        method: (req.method ?? 'GET').toUpperCase(),
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        raw: Buffer.concat(chunks),
        correlationId,
        clientId: null,
        fault: null,
      };
      if (tooLarge) {
        send(res, correlationId, err(ctx, 413));
        return;
      }
      // The live agent desktop: not part of the Genesys API (no auth, faults, rate limit or request log).
      if (ctx.path === '/desktop' && (ctx.method === 'GET' || ctx.method === 'HEAD')) {
        serveDesktopPage(res);
        return;
      }
      if (ctx.path === '/__emulator/events' && ctx.method === 'GET') {
        desktops.open(res, ctx.query.get('userId') || null);
        return;
      }
      if (ctx.path === '/__emulator' || ctx.path.startsWith('/__emulator/')) {
        handleControl(core, ctx.method, ctx.path, ctx.query, ctx.raw)
          .then((r) => send(res, correlationId, r))
          .catch((e: unknown) => {
            const status = e instanceof EmulatorControlError ? e.status : 500;
            const code = e instanceof EmulatorControlError ? e.code : 'internal.server.error';
            send(res, correlationId, {
              status,
              body: genesysError(status, correlationId, {
                code,
                message: e instanceof Error ? e.message : String(e),
              }),
            });
          });
        return;
      }
      handleApi(ctx, res, arrivedAt, started).catch((e: unknown) => {
        core.logger?.warn({ err: e, path: ctx.path }, 'emulator: request failed');
        send(res, correlationId, err(ctx, 500));
      });
    });
  });
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actualPort = (server.address() as AddressInfo).port;

  return {
    server,
    port: actualPort,
    close: async () => {
      timers.close();
      desktops.closeAll();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
