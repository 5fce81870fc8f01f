/**
 * The Genesys API pipeline: every API call goes through named steps, auth -> rate limit -> fault ->
 * route; the first step that answers ends the call. Then the answer is delayed (latency faults), sent
 * and logged.
 */
import type http from 'node:http';
import { findRoute, LOGIN_ROUTES, routeName, type RouteMatch } from './api/routes';
import type { EmulatorCore } from './core';
import { rateLimitMessage } from './genesys-errors';
import { errorReply, HttpError, sendReply, type Ctx, type Reply } from './http-reply';
import type { TimerSet } from './time';

/** One call on its way through the steps. */
interface ApiCall {
  core: EmulatorCore;
  ctx: Ctx;
  match: RouteMatch | null;
  /** Added to the answer, whichever step gives it (the inin-ratelimit-* headers). */
  headers: Record<string, string>;
  /** Why the emulator answered on its own, for the request log. */
  fault: string | null;
}

/** A step answers (ends the call) or returns undefined to pass the call on. */
type Step = (call: ApiCall) => Reply | undefined;

/** The login host's endpoints (/oauth/token, /oauth/authorize): no bearer token, no rate limit. */
const isTokenCall = (call: ApiCall): boolean => LOGIN_ROUTES.has(call.match?.route.name ?? '');

/** Bearer token check (not on the login endpoints): 401 without a live token; a user token names its user. */
const authStep: Step = (call) => {
  if (isTokenCall(call)) return undefined;
  const auth = call.core.tokens.authenticate(call.ctx.headers.authorization);
  if (!auth.ok) return errorReply(call.ctx, 401, { code: auth.code, message: auth.message });
  call.ctx.clientId = auth.clientId;
  call.ctx.userId = auth.userId;
  return undefined;
};

/** The client's budget, user tokens included (not on the login endpoints): 429 with Retry-After when spent. */
const rateLimitStep: Step = (call) => {
  if (isTokenCall(call) || call.ctx.clientId === null) return undefined;
  const rl = call.core.rateLimiter.take(call.ctx.clientId, Date.now());
  if (!rl) return undefined;
  Object.assign(call.headers, rl.headers);
  if (!rl.limited) return undefined;
  call.fault = 'ratelimit';
  return errorReply(
    call.ctx,
    429,
    { message: rateLimitMessage(rl.retryAfter) },
    { 'retry-after': String(rl.retryAfter) },
  );
};

/** Forced statuses first, then the error rate. */
const faultStep: Step = (call) => {
  const { core, ctx } = call;
  const forced = core.faults.takeForced(ctx.method, ctx.path);
  if (forced) {
    call.fault = 'forced';
    const headers: Record<string, string> = {};
    if (forced.retryAfterSeconds !== null) headers['retry-after'] = String(forced.retryAfterSeconds);
    const opts = forced.status === 429 ? { message: rateLimitMessage(forced.retryAfterSeconds ?? 1) } : {};
    return errorReply(ctx, forced.status, opts, headers);
  }
  const errorStatus = core.faults.errorRateHit(ctx.path);
  if (errorStatus === null) return undefined;
  call.fault = 'error-rate';
  return errorReply(ctx, errorStatus);
};

/** The handler: 404 unknown path, 405 wrong method. Always answers. */
const routeStep: Step = (call) => {
  const { core, ctx, match } = call;
  if (!match) return errorReply(ctx, 404, { message: `No resource found at ${ctx.path}.` });
  const handler = match.route.methods[ctx.method];
  if (!handler) return errorReply(ctx, 405, {}, { allow: Object.keys(match.route.methods).join(', ') });
  let reply: Reply;
  try {
    reply = handler(core, ctx, match.params);
  } catch (e) {
    if (e instanceof HttpError) reply = e.reply;
    else throw e;
  }
  if (ctx.fault) call.fault = ctx.fault;
  return reply;
};

const STEPS: readonly Step[] = [authStep, rateLimitStep, faultStep, routeStep];

function runSteps(call: ApiCall): Reply {
  for (const step of STEPS) {
    const reply = step(call);
    if (reply) return { ...reply, headers: { ...call.headers, ...(reply.headers ?? {}) } };
  }
  throw new Error('emulator: no pipeline step answered');
}

/** One Genesys API call: the steps (a thrown error answers 500), the latency fault, the answer, the log. */
export async function handleApi(
  core: EmulatorCore,
  timers: TimerSet,
  ctx: Ctx,
  res: http.ServerResponse,
  arrivedAt: number,
  started: number,
): Promise<void> {
  const { method, path } = ctx;
  const call: ApiCall = { core, ctx, match: null, headers: {}, fault: null };
  const logEpoch = core.requests.epoch;
  let route = routeName(method, path, null, core);
  let reply: Reply;
  try {
    call.match = findRoute(path, core);
    route = routeName(method, path, call.match, core);
    reply = runSteps(call);
  } catch (e) {
    core.logger?.warn({ err: e, path }, 'emulator: handler failed');
    reply = errorReply(ctx, 500);
  }
  const delay = core.faults.latencyFor(path);
  if (delay > 0 && !(await timers.sleep(delay))) return;
  sendReply(res, ctx.correlationId, reply);
  core.requests.log(
    {
      at: arrivedAt,
      method,
      path,
      route,
      status: reply.status,
      clientId: ctx.clientId,
      latencyMs: performance.now() - started,
      correlationId: ctx.correlationId,
      fault: call.fault,
    },
    logEpoch,
  );
}
