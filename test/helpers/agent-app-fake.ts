/**
 * A minimal fake of the agent app's service side, for testing the PAGE only: the routes of src/agent-app/README.md
 * ("The wire protocol") next to the real page router, on one HTTP server on a free port. Session exchange asks
 * the given Genesys (the emulator) GET /api/v2/users/me; the live connection is a `ws` WebSocket that wants
 * `hello` first; actions are recorded. The test pushes alerts and withdrawals and reads what the page sent.
 * Not the real service: no durable inbox, no registry, one node.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import express from 'express';
import { WebSocketServer, type WebSocket } from 'ws';
import { agentAppPageRouter, type AgentAppPageConfig } from '../../src/agent-app/page';

export interface FakeAlert {
  notificationId: string;
  alertId: string;
  title: string;
  message: string;
  type: 'info' | 'warning' | 'error';
  priority?: string;
  actions: { id: string; label: string; actionType: 'callback' | 'openUrl'; url?: string }[];
  expiresAt: string;
}

interface Session {
  token: string;
  userId: string;
  expiresAt: number;
}

export interface AgentAppFake {
  url: string;
  /** Frames the page sent over the live connection, in order (hello included). */
  frames: { userId: string | null; event: string; data: Record<string, unknown> }[];
  /** POST /agent-app/actions as received. */
  actions: { authorization: string | undefined; body: unknown; status: number }[];
  /** POST /agent-app/session calls: the status answered. */
  sessions: { status: number }[];
  /** Open alerts per user (sent on welcome) and pushed to the user's live sockets now. */
  push(userId: string, alert: FakeAlert): number;
  withdraw(userId: string, notificationId: string, reason?: 'handled' | 'expired' | 'cancelled'): number;
  /** Sends session_expired on the user's sockets. */
  expireSessions(userId: string): void;
  liveCount(userId: string): number;
  /** Cuts the user's live sockets without a close frame (a dead network). */
  dropConnections(userId: string): void;
  close(): Promise<void>;
}

export async function startAgentAppFake(opts: {
  genesysApiBase: string;
  config: Omit<AgentAppPageConfig, 'apiBase' | 'loginBase'> & Partial<AgentAppPageConfig>;
}): Promise<AgentAppFake> {
  const config: AgentAppPageConfig = {
    apiBase: opts.genesysApiBase,
    loginBase: opts.genesysApiBase,
    ...opts.config,
  };
  const sessions = new Map<string, Session>();
  const open = new Map<string, Map<string, FakeAlert>>(); // userId -> notificationId -> alert
  const sockets = new Map<WebSocket, { userId: string | null; timers: NodeJS.Timeout[] }>();
  const actionsSeen = new Set<string>();
  const fake = {
    frames: [] as AgentAppFake['frames'],
    actions: [] as AgentAppFake['actions'],
    sessions: [] as AgentAppFake['sessions'],
  };

  const problem = (res: express.Response, status: number, title: string, detail: string) =>
    res
      .status(status)
      .type('application/problem+json')
      .send(JSON.stringify({ type: 'about:blank', title, status, detail }));

  const sessionOf = (auth: string | undefined): Session | null => {
    const m = /^Bearer (.+)$/.exec(auth ?? '');
    const s = m ? sessions.get(m[1]!) : undefined;
    return s && s.expiresAt > Date.now() ? s : null;
  };

  const app = express();
  app.use('/agent-app', agentAppPageRouter({ config }));
  app.post('/agent-app/session', express.json(), async (req, res) => {
    const accessToken = (req.body as { accessToken?: unknown } | undefined)?.accessToken;
    if (typeof accessToken !== 'string' || !accessToken) {
      fake.sessions.push({ status: 400 });
      return problem(res, 400, 'Bad Request', 'accessToken is required');
    }
    const me = await fetch(`${opts.genesysApiBase}/api/v2/users/me`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    if (!me.ok) {
      fake.sessions.push({ status: 401 });
      return problem(res, 401, 'Unauthorized', 'Genesys refused the token');
    }
    const user = (await me.json()) as { id: string; name: string; email: string };
    const token = randomBytes(24).toString('base64url');
    const expiresAt = Date.now() + config.sessionTtlSeconds * 1000;
    sessions.set(token, { token, userId: user.id, expiresAt });
    fake.sessions.push({ status: 200 });
    res.json({
      sessionToken: token,
      expiresAt: new Date(expiresAt).toISOString(),
      user: { id: user.id, name: user.name, email: user.email },
    });
  });
  app.post('/agent-app/actions', express.json(), (req, res) => {
    const auth = req.headers.authorization;
    const record = (status: number) => fake.actions.push({ authorization: auth, body: req.body, status });
    const s = sessionOf(auth);
    if (!s) {
      record(401);
      return problem(res, 401, 'Unauthorized', 'no valid session');
    }
    const { notificationId, actionId } = (req.body ?? {}) as { notificationId?: string; actionId?: string };
    const alert = notificationId ? open.get(s.userId)?.get(notificationId) : undefined;
    if (!alert || !alert.actions.some((a) => a.id === actionId)) {
      record(404);
      return problem(res, 404, 'Not Found', 'unknown notification or action');
    }
    const key = `${notificationId}:${actionId}`;
    if (actionsSeen.has(key)) {
      record(200);
      return res.status(200).json({ status: 'duplicate' });
    }
    actionsSeen.add(key);
    record(202);
    res.status(202).json({ status: 'accepted' });
  });

  const server = http.createServer(app);
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    if (req.url !== '/agent-app/live') return socket.destroy();
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws));
  });
  const send = (ws: WebSocket, event: string, data: unknown) => ws.send(JSON.stringify({ event, data }));
  wss.on('connection', (ws: WebSocket) => {
    const state = { userId: null as string | null, timers: [] as NodeJS.Timeout[] };
    sockets.set(ws, state);
    state.timers.push(setTimeout(() => state.userId === null && ws.close(4400, 'no hello'), 5000));
    ws.on('message', (raw) => {
      let frame: { event?: string; data?: Record<string, unknown> };
      try {
        frame = JSON.parse(raw.toString()) as typeof frame;
      } catch {
        return ws.close(4400, 'not JSON');
      }
      fake.frames.push({ userId: state.userId, event: String(frame.event), data: frame.data ?? {} });
      if (state.userId === null) {
        const s = frame.event === 'hello' ? sessionOf(`Bearer ${String(frame.data?.sessionToken)}`) : null;
        if (!s) return ws.close(frame.event === 'hello' ? 4401 : 4400, 'bad hello');
        state.userId = s.userId;
        send(ws, 'welcome', {
          userId: s.userId,
          nodeId: 'fake-node',
          heartbeatSeconds: config.heartbeatSeconds,
        });
        for (const a of open.get(s.userId)?.values() ?? []) send(ws, 'alert', a);
        state.timers.push(setInterval(() => send(ws, 'heartbeat', {}), config.heartbeatSeconds * 1000));
      }
    });
    ws.on('close', () => {
      state.timers.forEach((t) => clearTimeout(t));
      sockets.delete(ws);
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const userSockets = (userId: string) =>
    [...sockets].filter(([, s]) => s.userId === userId).map(([ws]) => ws);

  return {
    url,
    ...fake,
    push(userId, alert) {
      if (!open.has(userId)) open.set(userId, new Map());
      open.get(userId)!.set(alert.notificationId, alert);
      const live = userSockets(userId);
      live.forEach((ws) => send(ws, 'alert', alert));
      return live.length;
    },
    withdraw(userId, notificationId, reason = 'handled') {
      open.get(userId)?.delete(notificationId);
      const live = userSockets(userId);
      live.forEach((ws) => send(ws, 'withdraw', { notificationId, reason }));
      return live.length;
    },
    expireSessions(userId) {
      for (const s of sessions.values()) if (s.userId === userId) s.expiresAt = 0;
      userSockets(userId).forEach((ws) => send(ws, 'session_expired', {}));
    },
    liveCount: (userId) => userSockets(userId).length,
    dropConnections: (userId) => userSockets(userId).forEach((ws) => ws.terminate()),
    close: async () => {
      for (const [ws, s] of sockets) {
        s.timers.forEach((t) => clearTimeout(t));
        ws.terminate();
      }
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
