/**
 * An agent app without a browser, for tests and the bench: signs a demo agent in at the emulator with PKCE (as the
 * page does through the platform SDK), exchanges the token at POST /agent-app/session, and holds a live connection
 * (the `ws` client) that acknowledges each alert it gets, as the page does once the alert is on screen.
 */
import { createHash, randomBytes } from 'node:crypto';
import WebSocket from 'ws';

export const EMULATOR_APP_CLIENT_ID = 'emulator-agent-app';

/** A Genesys user token for the emulator's demo agent `loginHint` (email or user id), through PKCE. */
export async function emulatorUserToken(emulatorUrl: string, loginHint: string): Promise<string> {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const redirectUri = 'http://127.0.0.1:1/agent-app/';
  const auth = await fetch(
    `${emulatorUrl}/oauth/authorize?${new URLSearchParams({
      response_type: 'code',
      client_id: EMULATOR_APP_CLIENT_ID,
      redirect_uri: redirectUri,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      login_hint: loginHint,
    })}`,
    { redirect: 'manual' },
  );
  const location = auth.headers.get('location');
  if (auth.status !== 302 || !location)
    throw new Error(`authorize answered ${auth.status}: ${await auth.text()}`);
  const code = new URL(location).searchParams.get('code');
  const tok = await fetch(`${emulatorUrl}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: code ?? '',
      redirect_uri: redirectUri,
      client_id: EMULATOR_APP_CLIENT_ID,
      code_verifier: verifier,
    }).toString(),
  });
  const body = (await tok.json()) as { access_token?: string };
  if (!tok.ok || !body.access_token) throw new Error(`token answered ${tok.status}: ${JSON.stringify(body)}`);
  return body.access_token;
}

export interface AgentSessionInfo {
  sessionToken: string;
  expiresAt: string;
  user: { id: string; name?: string; email?: string };
}

export async function exchangeSession(serviceUrl: string, accessToken: string): Promise<AgentSessionInfo> {
  const res = await fetch(`${serviceUrl}/agent-app/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ accessToken }),
  });
  const body = (await res.json()) as AgentSessionInfo;
  if (res.status !== 200) throw new Error(`session answered ${res.status}: ${JSON.stringify(body)}`);
  return body;
}

export interface Frame {
  event: string;
  data: Record<string, unknown>;
  receivedAt: number;
}

export interface LiveAgent {
  frames: Frame[];
  /** Resolves with the first frame (from now or already received) that matches. */
  waitFor(pred: (f: Frame) => boolean, timeoutMs?: number): Promise<Frame>;
  send(event: string, data?: unknown): void;
  closed: Promise<{ code: number; reason: string }>;
  close(): Promise<void>;
  /** Cut the socket without a closing handshake (a crashed browser). */
  terminate(): void;
}

/**
 * Opens the live connection and says hello. `ackAlerts` (default true): answer every `alert` with `displayed`,
 * as the page does once the alert is shown.
 */
export async function connectLive(
  serviceUrl: string,
  sessionToken: string,
  opts: { ackAlerts?: boolean; answerHeartbeats?: boolean } = {},
): Promise<LiveAgent> {
  const ws = new WebSocket(`${serviceUrl.replace(/^http/, 'ws')}/agent-app/live`);
  const frames: Frame[] = [];
  const waiters = new Set<{ pred: (f: Frame) => boolean; resolve: (f: Frame) => void }>();
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  ws.on('message', (raw) => {
    const f = JSON.parse(String(raw)) as Omit<Frame, 'receivedAt'>;
    const frame = { ...f, receivedAt: Date.now() };
    frames.push(frame);
    if (frame.event === 'alert' && opts.ackAlerts !== false) {
      ws.send(JSON.stringify({ event: 'displayed', data: { notificationId: frame.data.notificationId } }));
    }
    if (frame.event === 'heartbeat' && opts.answerHeartbeats !== false) {
      ws.send(JSON.stringify({ event: 'heartbeat', data: {} }));
    }
    for (const w of [...waiters]) {
      if (w.pred(frame)) {
        waiters.delete(w);
        w.resolve(frame);
      }
    }
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  ws.send(JSON.stringify({ event: 'hello', data: { sessionToken } }));
  const live: LiveAgent = {
    frames,
    waitFor(pred, timeoutMs = 15_000) {
      const seen = frames.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const w = {
          pred,
          resolve: (f: Frame) => {
            clearTimeout(t);
            resolve(f);
          },
        };
        const t = setTimeout(() => {
          waiters.delete(w);
          reject(
            new Error(
              `no matching frame within ${timeoutMs} ms; got ${frames.map((f) => f.event).join(', ')}`,
            ),
          );
        }, timeoutMs);
        waiters.add(w);
      });
    },
    send: (event, data = {}) => ws.send(JSON.stringify({ event, data })),
    closed,
    async close() {
      if (ws.readyState === ws.CLOSED) return;
      ws.close();
      await closed;
    },
    terminate: () => ws.terminate(),
  };
  await live.waitFor((f) => f.event === 'welcome', 10_000);
  return live;
}

/** Sign in and connect, in one step. */
export async function connectAgent(
  emulatorUrl: string,
  serviceUrl: string,
  loginHint: string,
  opts?: Parameters<typeof connectLive>[2],
): Promise<LiveAgent & { session: AgentSessionInfo }> {
  const session = await exchangeSession(serviceUrl, await emulatorUserToken(emulatorUrl, loginHint));
  const live = await connectLive(serviceUrl, session.sessionToken, opts);
  return Object.assign(live, { session });
}
