/**
 * What every Genesys API handler works with: the request context, the reply it returns, Genesys-shaped
 * error replies, JSON body parsing, and writing a reply out as JSON or HTML (always with ININ-Correlation-Id).
 */
import type http from 'node:http';
import { genesysError } from './genesys-errors';

export interface Reply {
  status: number;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as text/html instead of `body` (the login host's pages). */
  html?: string;
  headers?: Record<string, string>;
}

/** One API request, as the pipeline and handlers see it. */
export interface Ctx {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  raw: Buffer;
  correlationId: string;
  clientId: string | null;
  /** The signed-in user of a user token (authorization code grant); null for client tokens. */
  userId: string | null;
  /** Set by a handler that injected a fault itself (presence flip). */
  fault: string | null;
}

/** Thrown by a handler to answer at once (bad content type or JSON). */
export class HttpError extends Error {
  constructor(readonly reply: Reply) {
    super(`HTTP ${reply.status}`);
  }
}

/** A Genesys error body whose contextId is the call's correlation id. */
export function errorReply(
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

/** The JSON body; HttpError 415 when not declared JSON, 400 when it does not parse. */
export function parseJson(ctx: Ctx): unknown {
  if (!isJson(ctx)) throw new HttpError(errorReply(ctx, 415));
  try {
    return JSON.parse(ctx.raw.toString('utf8'));
  } catch {
    throw new HttpError(
      errorReply(ctx, 400, { code: 'bad.request', message: 'Unable to parse the request body as JSON.' }),
    );
  }
}

/** Writes the reply as JSON, unless the answer already started or the socket is gone. */
export function sendReply(res: http.ServerResponse, correlationId: string, reply: Reply): void {
  if (res.headersSent || res.destroyed) return;
  const payload = reply.html ?? (reply.body === undefined ? '' : JSON.stringify(reply.body));
  const headers: Record<string, string | number> = {
    'ININ-Correlation-Id': correlationId,
    ...(reply.headers ?? {}),
  };
  if (payload) {
    headers['content-type'] =
      reply.html !== undefined ? 'text/html; charset=UTF-8' : 'application/json; charset=UTF-8';
    headers['content-length'] = Buffer.byteLength(payload);
  }
  res.writeHead(reply.status, headers);
  res.end(payload);
}
