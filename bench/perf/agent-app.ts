/**
 * Simulated agent apps for the bench's `agent_app` scenario: N agents, each signed in as the page does (PKCE at
 * the emulator, then POST /agent-app/session), each holding one live WebSocket in the bench process. An app
 * answers an `alert` frame with `displayed` at once (the display receipt), and, when clicking is on, clicks the
 * alert's callback action (POST /agent-app/actions with its session) `clickDelayMs` later. Everything the apps
 * see is timed here: alert frames (display receipts), withdraw frames, clicks.
 */
import { Pool } from 'undici';
import WebSocket from 'ws';
import { emulatorUserToken, exchangeSession } from '../../test/helpers/agent-app-client';

const now = () => performance.timeOrigin + performance.now();

export interface Displayed {
  alertId: string;
  notificationId: string;
  userId: string;
  /** When the app got the alert frame and sent `displayed` (ms epoch). */
  at: number;
}

export interface Click {
  alertId: string;
  notificationId: string;
  start: number;
  end: number;
  status: number;
}

interface App {
  userId: string;
  sessionToken: string;
  ws: WebSocket;
  /** Alert frames seen on this connection, by notification id. */
  seen: Map<string, number>;
  /** Closed by the service (or the network), not by us: its later frames would be a reconnect's replay. */
  dropped: boolean;
  /** Our own close: not counted as a drop. */
  close(): void;
}

export class AgentFleet {
  /** First display receipt per alert id. */
  readonly displayed = new Map<string, Displayed>();
  /** Alert frames with a notification id the same connection had shown already (no reconnect in between). */
  duplicates = 0;
  /** Withdraw frames: notification id -> first arrival and reason. */
  readonly withdrawn = new Map<string, { at: number; reason: string }>();
  readonly clicks: Click[] = [];
  /** Connections closed by the other side while the scenario ran. */
  dropped = 0;
  /** Click each alert's callback action this long after the receipt (undefined: no clicks). */
  clickDelayMs?: number;
  private readonly apps: App[] = [];
  private readonly pool: Pool;
  private readonly pendingClicks = new Set<Promise<void>>();

  constructor(private readonly serviceUrl: string) {
    this.pool = new Pool(serviceUrl, { connections: 32, pipelining: 1 });
  }

  get connections(): number {
    return this.apps.length;
  }

  /** Signs every agent in (PKCE + session exchange) and connects it, `concurrency` at a time. */
  async connect(emulatorUrl: string, loginHints: string[], concurrency = 16): Promise<void> {
    let next = 0;
    const lane = async () => {
      for (let i = next++; i < loginHints.length; i = next++) {
        const session = await exchangeSession(
          this.serviceUrl,
          await emulatorUserToken(emulatorUrl, loginHints[i]!),
        );
        this.apps.push(await this.open(session.user.id, session.sessionToken));
      }
    };
    await Promise.all(Array.from({ length: concurrency }, lane));
  }

  private open(userId: string, sessionToken: string): Promise<App> {
    const ws = new WebSocket(`${this.serviceUrl.replace(/^http/, 'ws')}/agent-app/live`);
    let closing = false;
    const app: App = {
      userId,
      sessionToken,
      ws,
      seen: new Map(),
      dropped: false,
      close: () => {
        closing = true;
        ws.close();
      },
    };
    const welcome = new Promise<void>((resolve, reject) => {
      ws.once('error', reject);
      ws.once('close', (code, reason) =>
        reject(new Error(`closed before welcome: ${code} ${String(reason)}`)),
      );
      ws.on('message', (raw) => {
        const f = JSON.parse(String(raw)) as { event: string; data: Record<string, unknown> };
        if (f.event === 'welcome') resolve();
        else if (f.event === 'alert') this.onAlert(app, f.data);
        else if (f.event === 'withdraw') {
          const id = f.data.notificationId as string;
          if (!this.withdrawn.has(id)) this.withdrawn.set(id, { at: now(), reason: String(f.data.reason) });
        } else if (f.event === 'heartbeat') ws.send('{"event":"heartbeat","data":{}}');
      });
    });
    ws.once('open', () => ws.send(JSON.stringify({ event: 'hello', data: { sessionToken } })));
    ws.on('close', () => {
      if (!closing && !app.dropped) {
        app.dropped = true;
        this.dropped++;
      }
    });
    return welcome.then(() => app);
  }

  private onAlert(app: App, data: Record<string, unknown>): void {
    const at = now();
    const notificationId = data.notificationId as string;
    const alertId = data.alertId as string;
    app.ws.send(JSON.stringify({ event: 'displayed', data: { notificationId } }));
    const times = (app.seen.get(notificationId) ?? 0) + 1;
    app.seen.set(notificationId, times);
    if (times > 1 && !app.dropped) this.duplicates++;
    if (this.displayed.has(alertId)) return;
    this.displayed.set(alertId, { alertId, notificationId, userId: app.userId, at });
    const action = (data.actions as Array<{ id: string; actionType: string }>).find(
      (a) => a.actionType === 'callback',
    );
    if (this.clickDelayMs === undefined || !action) return;
    const p = new Promise<void>((r) => setTimeout(r, this.clickDelayMs))
      .then(() => this.click(app, alertId, notificationId, action.id))
      .finally(() => this.pendingClicks.delete(p));
    this.pendingClicks.add(p);
  }

  private async click(app: App, alertId: string, notificationId: string, actionId: string): Promise<void> {
    const start = now();
    const res = await this.pool.request({
      method: 'POST',
      path: '/agent-app/actions',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${app.sessionToken}` },
      body: JSON.stringify({ notificationId, actionId }),
    });
    await res.body.text();
    this.clicks.push({ alertId, notificationId, start, end: now(), status: res.statusCode });
  }

  /** Until the clicks scheduled so far have been answered. */
  async clicksDone(): Promise<void> {
    while (this.pendingClicks.size > 0) await Promise.all([...this.pendingClicks]);
  }

  async close(): Promise<void> {
    await this.clicksDone();
    await Promise.all(
      this.apps.map(
        (a) =>
          new Promise<void>((resolve) => {
            if (a.ws.readyState === WebSocket.CLOSED) return resolve();
            a.ws.once('close', () => resolve());
            a.close();
          }),
      ),
    );
    await this.pool.close();
  }
}
