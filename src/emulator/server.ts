/**
 * The emulator's HTTP server: reads each request (bodies up to 1 MiB) and hands it to the live desktop
 * (page and event stream), the control API under /__emulator, or the Genesys API pipeline; owns the
 * listening socket, the response timers and the streams, all ended by close().
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleControl } from './control-http';
import { applyCors, corsApplies } from './cors';
import type { EmulatorCore } from './core';
import { loadDesktopPage, serveDesktopPage, serveDesktopScript } from './desktop';
import { DesktopStreams } from './desktop-events';
import { genesysError } from './genesys-errors';
import { errorReply, sendReply, type Ctx } from './http-reply';
import { handleApi } from './pipeline';
import { shellPage } from './shell-page';
import { nowMs, TimerSet } from './time';
import { EmulatorControlError } from './types';

const MAX_BODY = 1024 * 1024;

export interface RunningServer {
  server: http.Server;
  port: number;
  close(): Promise<void>;
}

export async function startServer(core: EmulatorCore, host: string, port: number): Promise<RunningServer> {
  const desktopPage = loadDesktopPage();
  const timers = new TimerSet();
  const desktops = new DesktopStreams(core);
  /** Known once listening; the shell's origin when a request has no usable Host header. */
  let actualPort = port;

  /** Not part of the Genesys API: no auth, faults, rate limit or request log. */
  const control = (ctx: Ctx, res: http.ServerResponse): void => {
    handleControl(core, ctx.method, ctx.path, ctx.query, ctx.raw)
      .then((r) => sendReply(res, ctx.correlationId, r))
      .catch((e: unknown) => {
        const status = e instanceof EmulatorControlError ? e.status : 500;
        const code = e instanceof EmulatorControlError ? e.code : 'internal.server.error';
        sendReply(res, ctx.correlationId, {
          status,
          body: genesysError(status, ctx.correlationId, {
            code,
            message: e instanceof Error ? e.message : String(e),
          }),
        });
      });
  };

  const dispatch = (ctx: Ctx, res: http.ServerResponse, arrivedAt: number, started: number): void => {
    // The desktop shell: not part of the Genesys API (no auth, faults, rate limit or request log).
    const read = ctx.method === 'GET' || ctx.method === 'HEAD';
    if (ctx.path === '/desktop' && read) {
      const fallback = `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`;
      serveDesktopPage(res, desktopPage, shellPage(core, ctx.query, ctx.headers.host, fallback));
      return;
    }
    if (ctx.path.startsWith('/desktop/') && read && serveDesktopScript(res, desktopPage, ctx.path)) return;
    if (ctx.path === '/__emulator/events' && ctx.method === 'GET') {
      desktops.open(res, ctx.query.get('userId') || null);
      return;
    }
    if (ctx.path === '/__emulator' || ctx.path.startsWith('/__emulator/')) {
      control(ctx, res);
      return;
    }
    handleApi(core, timers, ctx, res, arrivedAt, started).catch((e: unknown) => {
      core.logger?.warn({ err: e, path: ctx.path }, 'emulator: request failed');
      sendReply(res, ctx.correlationId, errorReply(ctx, 500));
    });
  };

  const server = http.createServer((req, res) => {
    const arrivedAt = nowMs();
    const started = performance.now();
    const correlationId = randomUUID();
    const url = new URL(req.url ?? '/', 'http://emulator');
    // Cross-origin calls of a Client App page (the platform SDK in the browser); a preflight ends here.
    if (corsApplies(url.pathname) && applyCors(req, res, url.pathname)) {
      req.resume();
      return;
    }
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
        userId: null,
        fault: null,
      };
      if (tooLarge) sendReply(res, correlationId, errorReply(ctx, 413));
      else dispatch(ctx, res, arrivedAt, started);
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
  actualPort = (server.address() as AddressInfo).port;

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
