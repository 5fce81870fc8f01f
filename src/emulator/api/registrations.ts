/**
 * The Platform API calls an installer uses to register the agent app: OAuth clients
 * (POST/GET /api/v2/oauth/clients, GET/PUT /api/v2/oauth/clients/{id}) and Client App integrations (POST/GET /api/v2/integrations,
 * GET/PATCH /api/v2/integrations/{id}, GET/PUT /api/v2/integrations/{id}/config/current).
 */
import type { EmulatorCore } from '../core';
import { errorReply, parseJson, type Ctx, type Reply } from '../http-reply';
import {
  checkClientRequest,
  checkConfigPut,
  checkCreateIntegration,
  checkPatchIntegration,
  type Checked,
} from '../registration-checks';
import type { EmulatorIntegration } from '../types';

/** 400 bad.request naming every field in `details` and `errors`, as the notifications endpoint does. */
function invalid(ctx: Ctx, what: string, checked: Checked<unknown>): Reply {
  const problems = checked.ok ? [] : checked.problems;
  return errorReply(ctx, 400, {
    code: 'bad.request',
    message: `Invalid ${what}: ${problems.map((p) => p.message).join(' ')}`,
    details: problems,
    errors: problems.map((p) => ({
      message: p.message,
      code: p.errorCode,
      status: 400,
      details: [{ fieldName: p.fieldName }],
    })),
  });
}

const notFound = (ctx: Ctx, what: string, id: string): Reply =>
  errorReply(ctx, 404, { code: 'not.found', message: `${what} ${id} not found.` });

/** A page of a listing, in the SDK's *EntityListing shape. */
function listing<T>(ctx: Ctx, all: T[]): Reply {
  const size = Number(ctx.query.get('pageSize') ?? 25);
  const number = Number(ctx.query.get('pageNumber') ?? 1);
  if (!Number.isInteger(size) || size < 1 || size > 100 || !Number.isInteger(number) || number < 1)
    return errorReply(ctx, 400, {
      code: 'bad.request',
      message: 'pageSize must be 1..100 and pageNumber at least 1.',
    });
  const pageCount = Math.max(1, Math.ceil(all.length / size));
  const uri = (n: number) => {
    const q = new URLSearchParams(ctx.query);
    q.set('pageSize', String(size));
    q.set('pageNumber', String(n));
    return `${ctx.path}?${q}`;
  };
  return {
    status: 200,
    body: {
      entities: all.slice((number - 1) * size, number * size),
      pageSize: size,
      pageNumber: number,
      total: all.length,
      pageCount,
      firstUri: uri(1),
      lastUri: uri(pageCount),
      selfUri: uri(number),
      ...(number < pageCount ? { nextUri: uri(number + 1) } : {}),
      ...(number > 1 ? { previousUri: uri(number - 1) } : {}),
    },
  };
}

// ---------------------------------------------------------------- OAuth clients

export function postOAuthClient(core: EmulatorCore, ctx: Ctx): Reply {
  const v = checkClientRequest(parseJson(ctx));
  if (!v.ok) return invalid(ctx, 'OAuth client', v);
  return { status: 200, body: core.registrations.createClient(v.value) };
}

export function getOAuthClients(core: EmulatorCore, _ctx: Ctx): Reply {
  const entities = core.registrations.listClients();
  return {
    status: 200,
    body: { entities, pageSize: entities.length, pageNumber: 1, total: entities.length },
  };
}

export function getOAuthClient(core: EmulatorCore, ctx: Ctx, id: string): Reply {
  const c = core.registrations.getClient(id);
  return c ? { status: 200, body: c } : notFound(ctx, 'OAuth client', id);
}

/** PUT /api/v2/oauth/clients/{id} with an OAuthClientRequest: the updated client (no secret), or 404. */
export function putOAuthClient(core: EmulatorCore, ctx: Ctx, id: string): Reply {
  const v = checkClientRequest(parseJson(ctx));
  if (!v.ok) return invalid(ctx, 'OAuth client', v);
  const c = core.registrations.updateClient(id, v.value);
  return c ? { status: 200, body: c } : notFound(ctx, 'OAuth client', id);
}

// ---------------------------------------------------------------- integrations

/** `config.current` only with `?expand=config.current`, as the SDK's expand parameter suggests. */
function integrationView(ctx: Ctx, i: EmulatorIntegration): Partial<EmulatorIntegration> {
  const expand = ctx.query.getAll('expand').flatMap((e) => e.split(','));
  if (expand.includes('config.current')) return i;
  const { config: _config, ...rest } = i;
  return rest;
}

export function postIntegration(core: EmulatorCore, ctx: Ctx): Reply {
  const v = checkCreateIntegration(parseJson(ctx));
  if (!v.ok) return invalid(ctx, 'integration', v);
  return { status: 200, body: integrationView(ctx, core.registrations.createIntegration(v.value.name)) };
}

export function getIntegrations(core: EmulatorCore, ctx: Ctx): Reply {
  const ids = ctx.query
    .getAll('ids')
    .flatMap((s) => s.split(','))
    .filter(Boolean);
  const all = core.registrations.listIntegrations({
    integrationType: ctx.query.get('integrationType') ?? undefined,
    ids: ids.length ? ids : undefined,
  });
  return listing(
    ctx,
    all.map((i) => integrationView(ctx, i)),
  );
}

export function getIntegration(core: EmulatorCore, ctx: Ctx, id: string): Reply {
  const i = core.registrations.getIntegration(id);
  return i ? { status: 200, body: integrationView(ctx, i) } : notFound(ctx, 'Integration', id);
}

export function patchIntegration(core: EmulatorCore, ctx: Ctx, id: string): Reply {
  const v = checkPatchIntegration(parseJson(ctx));
  if (!v.ok) return invalid(ctx, 'integration', v);
  const i = v.value.intendedState
    ? core.registrations.setIntendedState(id, v.value.intendedState)
    : core.registrations.getIntegration(id);
  return i ? { status: 200, body: integrationView(ctx, i) } : notFound(ctx, 'Integration', id);
}

export function getIntegrationConfig(core: EmulatorCore, ctx: Ctx, id: string): Reply {
  const i = core.registrations.getIntegration(id);
  return i ? { status: 200, body: i.config.current } : notFound(ctx, 'Integration', id);
}

/** 409 when `version` is not the current one (someone else changed it since it was read). */
export function putIntegrationConfig(core: EmulatorCore, ctx: Ctx, id: string): Reply {
  const v = checkConfigPut(parseJson(ctx));
  if (!v.ok) return invalid(ctx, 'integration configuration', v);
  const r = core.registrations.putConfig(id, v.value);
  if (r.ok) return { status: 200, body: r.config };
  if (r.reason === 'not-found') return notFound(ctx, 'Integration', id);
  return errorReply(ctx, 409, {
    code: 'conflict',
    message: `Version ${v.value.version} is not the current version (${r.current}) of the configuration.`,
  });
}
