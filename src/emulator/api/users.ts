/**
 * The user reads: GET /api/v2/users/{id} (with expands), GET /api/v2/users/me (user tokens), its routing status (OFF_QUEUE for unknown
 * users, as the real API answers), and bulk presences.
 */
import type { EmulatorCore } from '../core';
import { errorReply, type Ctx, type Reply } from '../http-reply';
import { honouredExpand, presenceRep, userRep } from './user-views';

/** 404 for an unknown user, in the platform's words. */
export function userNotFound(ctx: Ctx, id: string): Reply {
  return errorReply(ctx, 404, { code: 'not.found', message: `User ${id} not found.` });
}

/** Deleted users only with ?state=deleted; inactive ones always. */
export function getUser(core: EmulatorCore, ctx: Ctx, id: string): Reply {
  const u = core.users.rec(id);
  const wantDeleted = ctx.query.get('state') === 'deleted';
  if (!u || (u.state === 'deleted' && !wantDeleted)) return userNotFound(ctx, id);
  return { status: 200, body: userRep(u, honouredExpand(core, ctx, ctx.query.getAll('expand'))) };
}

/**
 * The token's user, as GET /api/v2/users/{id} shows it. A client credentials token has no user: 400
 * not.a.user (the real platform's answer as remembered, not verified against GENESYS.md).
 */
export function usersMe(core: EmulatorCore, ctx: Ctx): Reply {
  if (ctx.userId === null)
    return errorReply(ctx, 400, {
      code: 'not.a.user',
      message:
        'This request requires a user context. Client credentials cannot be used for requests to this resource.',
    });
  return getUser(core, ctx, ctx.userId);
}

export function routingStatus(core: EmulatorCore, id: string): Reply {
  const u = core.users.rec(id);
  // The real endpoint answers OFF_QUEUE for users that do not exist (GENESYS.md).
  if (!u) return { status: 200, body: { userId: id, status: 'OFF_QUEUE' } };
  return {
    status: 200,
    body: { userId: u.id, status: u.routingStatus, startTime: u.routingStatusStartTime },
  };
}

/** ?id=a&id=b (or comma lists), at most 100; unknown and deleted users are left out. */
export function bulkPresence(core: EmulatorCore, ctx: Ctx): Reply {
  const ids = ctx.query
    .getAll('id')
    .flatMap((v) => v.split(','))
    .filter(Boolean);
  if (ids.length === 0)
    return errorReply(ctx, 400, { code: 'invalid.value', message: 'At least one id is required.' });
  if (ids.length > 100)
    return errorReply(ctx, 400, { code: 'invalid.value', message: 'At most 100 ids are allowed.' });
  const out: unknown[] = [];
  for (const id of new Set(ids)) {
    const u = core.users.rec(id);
    // Casing differs from the user expand on purpose, as it does between real endpoints: clients normalise.
    if (u && u.state !== 'deleted') out.push({ userId: u.id, ...presenceRep(u, true) });
  }
  return { status: 200, body: out };
}
