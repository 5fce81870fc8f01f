/** The control HTTP API under /__emulator: JSON routes mirroring EmulatorControl one to one. */
import type {
  CallbackDeliveryStatus,
  EmulatorControl,
  NotificationStatus,
  RequestFilter,
  RequestRateQuery,
} from './types';
import { EmulatorControlError } from './types';

/** What a control route answers (the server adds ININ-Correlation-Id). */
export interface ControlReply {
  status: number;
  body?: unknown;
}

function bodyOf(raw: Buffer): Record<string, unknown> {
  if (raw.length === 0) return {};
  let v: unknown;
  try {
    v = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new EmulatorControlError(400, 'bad.request', 'The body must be JSON');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new EmulatorControlError(400, 'bad.request', 'The body must be a JSON object');
  return v as Record<string, unknown>;
}

function num(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new EmulatorControlError(400, 'invalid.value', `${name} must be a number`);
  return n;
}

function str(q: URLSearchParams, name: string): string | undefined {
  const v = q.get(name);
  return v === null || v === '' ? undefined : v;
}

const ok = (body: unknown, status = 200): ControlReply => ({ status, body });

/**
 * The control HTTP API under /__emulator (JSON). Mirrors EmulatorControl; see README.md.
 * Not rate limited, not faulted, not in the request log.
 */
export async function handleControl(
  core: EmulatorControl,
  method: string,
  path: string,
  q: URLSearchParams,
  raw: Buffer,
): Promise<ControlReply> {
  const parts = path
    .replace(/^\/__emulator\/?/, '')
    .split('/')
    .filter(Boolean)
    .map((p) => decodeURIComponent(p));
  const [a, b, c] = parts;
  const route = `${method} ${a ?? ''}${b !== undefined ? '/:1' : ''}${c !== undefined ? `/${c}` : ''}`;
  const p1 = b as string;

  switch (route) {
    case 'GET ':
      return ok({ emulator: 'genesys-cloud', config: core.getConfig() });
    case 'POST reset':
      core.reset();
      return ok({ reset: true });

    // users
    case 'GET users':
      return ok(core.listUsers());
    case 'POST users':
      return ok(core.addUser(bodyOf(raw) as never), 201);
    case 'GET users/:1': {
      const u = core.getUser(p1);
      if (!u) throw new EmulatorControlError(404, 'not.found', `Unknown user ${p1}`);
      return ok(u);
    }
    case 'PATCH users/:1':
      return ok(core.updateUser(p1, bodyOf(raw) as never));
    case 'DELETE users/:1':
      if (!core.removeUser(p1)) throw new EmulatorControlError(404, 'not.found', `Unknown user ${p1}`);
      return { status: 204 };

    // OAuth
    case 'POST clients':
      core.addClient(bodyOf(raw) as never);
      return ok({ added: true }, 201);
    case 'GET oauth-clients':
      return ok(core.listOAuthClients());
    case 'GET integrations':
      return ok(core.listIntegrations());
    case 'POST tokens/:1': {
      const body = bodyOf(raw);
      if (p1 === 'revoke') return ok({ revoked: core.revokeTokens(body as never) });
      if (p1 === 'expire') return ok({ expired: core.expireTokens(body as never) });
      break;
    }

    // config
    case 'GET config':
      return ok(core.getConfig());
    case 'PUT config':
    case 'PATCH config':
      return ok(core.setConfig(bodyOf(raw) as never));

    // faults
    case 'GET faults':
      return ok(core.getFaults());
    case 'PUT faults':
    case 'PATCH faults':
      return ok(core.setFaults(bodyOf(raw) as never));
    case 'DELETE faults':
      return ok(core.clearFaults());
    case 'POST faults/:1': {
      const body = bodyOf(raw);
      if (p1 === 'force') return ok(core.forceStatus(body as never), 201);
      if (p1 === 'burst429') return ok(core.burst429(body as never), 201);
      if (p1 === 'presence-flip') {
        core.flipPresenceOnNextSend(body.userId as string);
        return ok(core.getFaults(), 201);
      }
      break;
    }

    // notifications
    case 'GET notifications':
      return ok(
        core.listNotifications({
          userId: str(q, 'userId'),
          idempotencyKey: str(q, 'idempotencyKey'),
          status: str(q, 'status') as NotificationStatus | undefined,
        }),
      );
    case 'GET notifications/:1': {
      const n = core.getNotification(p1);
      if (!n) throw new EmulatorControlError(404, 'not.found', `Unknown notification ${p1}`);
      return ok(n);
    }
    case 'POST notifications/:1/click': {
      const body = bodyOf(raw);
      return ok(
        core.click(p1, {
          actionId: body.actionId as string | undefined,
          index: body.index as number | undefined,
        }),
        202,
      );
    }
    case 'POST notifications/:1/expire':
      return ok(core.expireNotification(p1));

    // inspection
    case 'GET requests': {
      const f: RequestFilter = {
        sinceSeq: num(q, 'sinceSeq'),
        since: num(q, 'since'),
        pathPrefix: str(q, 'pathPrefix'),
        method: str(q, 'method'),
        status: num(q, 'status'),
        clientId: str(q, 'clientId'),
        limit: num(q, 'limit'),
      };
      return ok(core.listRequests(f));
    }
    case 'GET requests/:1':
      if (p1 === 'rate') {
        const statuses = str(q, 'statuses');
        const query: RequestRateQuery = {
          windowMs: num(q, 'windowMs'),
          pathPrefix: str(q, 'pathPrefix'),
          method: str(q, 'method'),
          since: num(q, 'since'),
          statuses: statuses ? statuses.split(',').map(Number) : undefined,
        };
        return ok(core.requestRate(query));
      }
      break;
    case 'GET callbacks':
      return ok(
        core.listCallbackDeliveries({
          notificationId: str(q, 'notificationId'),
          status: str(q, 'status') as CallbackDeliveryStatus | undefined,
        }),
      );
    case 'GET callbacks/:1': {
      const d = core.getCallbackDelivery(p1);
      if (!d) throw new EmulatorControlError(404, 'not.found', `Unknown callback delivery ${p1}`);
      return ok(d);
    }
    // what the desktop shell showed (the shell page reports it; tests read it)
    case 'GET desktop/:1':
      return ok(core.getShellState(p1));
    case 'GET desktop/:1/host-toasts':
      return ok(core.listHostToasts(p1));
    case 'POST desktop/:1/host-toasts':
      return ok(core.recordHostToast(p1, bodyOf(raw)), 201);
    case 'POST desktop/:1/host-toast-dismissals':
      return ok(core.recordHostToastDismissed(p1, bodyOf(raw)));
    case 'GET desktop/:1/attention':
      return ok(core.getShellState(p1).attention);
    case 'PUT desktop/:1/attention':
      return ok(core.recordAttentionCount(p1, bodyOf(raw)));
    case 'GET desktop/:1/lifecycle':
      return ok(core.getShellState(p1).lifecycle);
    case 'POST desktop/:1/lifecycle':
      return ok(core.recordShellLifecycle(p1, bodyOf(raw)), 201);

    case 'GET stats':
      return ok(core.stats());
  }
  throw new EmulatorControlError(404, 'not.found', `No control route ${method} ${path}`);
}
