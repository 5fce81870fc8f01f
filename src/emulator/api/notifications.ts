/**
 * POST {notificationsPath}: after the pipeline's token, rate limit and fault checks: content type,
 * JSON, schema, idempotent replay, user, presence flip (409), then create (201).
 */
import type { EmulatorCore } from '../core';
import { errorReply, parseJson, type Ctx, type Reply } from '../http-reply';
import type { NotificationRec } from '../notifications';
import type { EmulatorUser } from '../types';
import { validateNotification } from '../validate';
import { userNotFound } from './users';

export function postNotification(core: EmulatorCore, ctx: Ctx): Reply {
  const body = parseJson(ctx);
  const now = core.now();
  const v = validateNotification(body, now);
  if (!v.ok) {
    return errorReply(ctx, 400, {
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
  if (n.idempotencyKey !== null) {
    const replay = core.notifications.findReplay(n.idempotencyKey, fingerprint, now);
    if (replay) return { status: core.config.current.duplicateStatus, body: notificationRep(core, replay) };
  }
  const user = core.users.rec(n.userId);
  if (!user || user.state === 'deleted') return userNotFound(ctx, n.userId);
  if (core.faults.shouldFlipPresence(user)) {
    core.flipOffline(user);
    ctx.fault = 'presence-flip';
    return errorReply(ctx, 409, {
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
    body: notificationRep(core, rec),
    headers: { location: `${core.config.current.notificationsPath}/${rec.id}` },
  };
}

/** The body of a 201 and of an idempotent replay (status 'queued' in both, as README.md documents). */
function notificationRep(core: EmulatorCore, rec: NotificationRec) {
  return {
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
  };
}
