/**
 * The live connection (WebSocket at /agent-app/live; the protocol is in ./README.md). The session token comes in
 * the first frame, never in the URL. Heartbeats both ways: a connection that says nothing for three heartbeats is
 * closed, so a vanished browser leaves the hub (and the registry) within about 30 s.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { Logger } from '../observability/logger';
import type { ConnectionHub, LiveConnection } from './hub';
import { verifySessionToken, type AgentSession } from './session-token';

export const LIVE_PATH = '/agent-app/live';
/** Frames are small JSON objects; anything bigger is not the app. */
const MAX_FRAME_BYTES = 16 * 1024;

export interface LiveOptions {
  hub: ConnectionHub;
  sessionKey: Buffer;
  logger: Logger;
  heartbeatSeconds: number;
  /** How long a new socket may take to send `hello` (default 5 s). */
  helloTimeoutMs?: number;
  /** Counts connections opened and closed (metrics). */
  onConnections?: (delta: number) => void;
}

export interface LiveServer {
  /** Closes every connection (code 1001, going away) and stops taking new ones. */
  close(): Promise<void>;
}

export function attachLiveConnections(server: Server, opts: LiveOptions): LiveServer {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  const log = opts.logger;
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== LIVE_PATH) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => serve(ws, opts));
  };
  server.on('upgrade', onUpgrade);
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.off('upgrade', onUpgrade);
        for (const ws of wss.clients) ws.close(1001, 'server going away');
        // Sockets that do not finish the closing handshake promptly are cut.
        const cut = setTimeout(() => {
          for (const ws of wss.clients) ws.terminate();
        }, 1_000);
        wss.close(() => {
          clearTimeout(cut);
          resolve();
        });
      }),
  };

  function serve(ws: WebSocket, o: LiveOptions): void {
    const beatMs = o.heartbeatSeconds * 1000;
    let session: AgentSession | undefined;
    let conn: LiveConnection | undefined;
    let lastHeard = Date.now();
    const helloTimer = setTimeout(() => ws.close(4400, 'hello expected'), o.helloTimeoutMs ?? 5_000);
    const send = (event: string, data: unknown): boolean => {
      if (ws.readyState !== ws.OPEN) return false;
      ws.send(JSON.stringify({ event, data }));
      return true;
    };
    const beat = setInterval(() => {
      if (Date.now() - lastHeard > 3 * beatMs) {
        ws.terminate();
        return;
      }
      if (session && session.exp <= Date.now()) {
        send('session_expired', {});
        ws.close(4401, 'session expired');
        return;
      }
      send('heartbeat', {});
    }, beatMs);
    o.onConnections?.(1);

    ws.on('message', (raw: RawData, isBinary: boolean) => {
      lastHeard = Date.now();
      const frame = isBinary ? undefined : parseFrame(raw);
      if (!frame) {
        ws.close(4400, 'frames are JSON {event, data}');
        return;
      }
      if (!session) {
        if (frame.event !== 'hello') {
          ws.close(4400, 'hello expected');
          return;
        }
        const check = verifySessionToken(
          o.sessionKey,
          (frame.data as { sessionToken?: unknown })?.sessionToken,
        );
        if (!check.ok) {
          ws.close(4401, check.reason === 'expired' ? 'session expired' : 'invalid session');
          return;
        }
        clearTimeout(helloTimer);
        session = check.session;
        const s = session;
        conn = { userId: s.userId, send };
        send('welcome', { userId: s.userId, nodeId: o.hub.nodeId, heartbeatSeconds: o.heartbeatSeconds });
        o.hub.attach(conn, { userId: s.userId, email: s.email, name: s.name });
        log.debug({ userId: s.userId, connections: o.hub.connectionCount(s.userId) }, 'agent app connected');
        return;
      }
      if (frame.event === 'displayed') {
        const id = (frame.data as { notificationId?: unknown })?.notificationId;
        if (typeof id === 'string' && id.length <= 400) o.hub.receipt(session.userId, id);
      }
      // `heartbeat` needs nothing beyond lastHeard; unknown events are ignored (a newer app may send more).
    });
    ws.on('pong', () => (lastHeard = Date.now()));
    ws.on('close', () => {
      clearTimeout(helloTimer);
      clearInterval(beat);
      if (conn) o.hub.detach(conn);
      o.onConnections?.(-1);
      if (session) log.debug({ userId: session.userId }, 'agent app disconnected');
    });
    ws.on('error', (err) => log.debug({ err }, 'agent app connection error'));
  }
}

function parseFrame(raw: RawData): { event: string; data: unknown } | undefined {
  try {
    const text = Array.isArray(raw)
      ? Buffer.concat(raw).toString('utf8')
      : Buffer.from(raw as Buffer).toString('utf8');
    const v = JSON.parse(text) as { event?: unknown; data?: unknown };
    return v && typeof v === 'object' && typeof v.event === 'string'
      ? { event: v.event, data: v.data ?? {} }
      : undefined;
  } catch {
    return undefined;
  }
}
