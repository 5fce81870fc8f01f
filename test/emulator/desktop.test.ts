import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startEmulator, type Emulator } from '../../src/emulator';
import { CLIENT, NOTIFICATIONS } from './helpers';

const AGENT = { id: 'u-desk', name: 'Jordan', email: 'j@example.com' };
const OTHER = { id: 'u-other', name: 'Avery', email: 'a@example.com' };

interface SseEvent {
  event: string;
  data: Record<string, unknown>;
}

/** Reads a server-sent event stream as it arrives; `ended` resolves when the server ends it. */
function openEvents(url: string): Promise<{
  events: SseEvent[];
  ended: Promise<void>;
  next(event: string, pred?: (d: Record<string, unknown>) => boolean): Promise<SseEvent>;
  abort(): void;
}> {
  return new Promise((resolve, reject) => {
    const events: SseEvent[] = [];
    const waiters: Array<() => void> = [];
    const req = http.get(url, (res) => {
      expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const ev = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (ev && data) events.push({ event: ev, data: JSON.parse(data) as Record<string, unknown> });
          waiters.splice(0).forEach((w) => w());
        }
      });
      const ended = new Promise<void>((done) => res.on('close', () => done()));
      resolve({
        events,
        ended,
        abort: () => req.destroy(),
        async next(event, pred = () => true) {
          for (;;) {
            const hit = events.find((e) => e.event === event && pred(e.data));
            if (hit) return hit;
            await new Promise<void>((w, fail) => {
              const t = setTimeout(() => fail(new Error(`no '${event}' event within 5 s`)), 5_000);
              waiters.push(() => {
                clearTimeout(t);
                w();
              });
            });
          }
        },
      });
    });
    req.on('error', reject);
  });
}

async function token(emu: Emulator): Promise<string> {
  const res = await fetch(`${emu.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `grant_type=client_credentials&client_id=${CLIENT.clientId}&client_secret=${CLIENT.clientSecret}`,
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

describe('live agent desktop (page and event stream)', () => {
  let emu: Emulator;
  let receiver: http.Server;
  let receiverUrl: string;

  beforeEach(async () => {
    receiver = http.createServer((_req, res) => res.writeHead(204).end());
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/cb`;
    // timeScale 1: the callback's 5 s time-out, which no loopback round trip plausibly stalls past (at 0.01, 50 ms).
    emu = await startEmulator({ users: [AGENT, OTHER], timeScale: 1 });
  });
  afterEach(async () => {
    await emu.close();
    receiver.closeAllConnections();
    await new Promise((r) => receiver.close(r));
  });

  it('serves the page without auth, with a strict CSP, outside the Genesys request log', async () => {
    const res = await fetch(`${emu.url}/desktop?agent=${AGENT.id}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = res.headers.get('content-security-policy')!;
    // No inline script runs: scripts come from the emulator itself, styles carry a fresh nonce.
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    const nonce = /style-src 'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    expect(csp).toContain("default-src 'none'");
    const html = await res.text();
    expect(html).toContain(`<style nonce="${nonce}">`);
    for (const tag of html.match(/<script[^>]*>/g) ?? [])
      expect(tag).toMatch(/ src="\/desktop\/[a-z]+\.js"|type="application\/json"/);
    for (const src of ['/desktop/desktop.js', '/desktop/shell.js']) {
      const js = await fetch(emu.url + src);
      expect(js.status).toBe(200);
      expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
      await js.text();
    }
    expect(emu.control.listRequests()).toEqual([]);
  });

  it("streams a snapshot, then that agent's notifications, clicks, callback outcomes and presence", async () => {
    const stream = await openEvents(`${emu.url}/__emulator/events?userId=${AGENT.id}`);
    const snap = await stream.next('snapshot');
    expect(snap.data).toMatchObject({ user: { id: AGENT.id, presence: 'Available' }, notifications: [] });

    const t = await token(emu);
    const post = (userId: string, key: string) =>
      fetch(emu.url + NOTIFICATIONS, {
        method: 'POST',
        headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          userId,
          title: 'T',
          message: 'M',
          type: 'info',
          idempotencyKey: key,
          actions: [{ id: 'ack', label: 'Ack', actionType: 'callback', callbackUrl: receiverUrl }],
        }),
      }).then((r) => r.json() as Promise<{ id: string }>);
    await post(OTHER.id, 'k-other');
    const n = await post(AGENT.id, 'k-agent');
    await stream.next('notification', (d) => (d.notification as { id: string }).id === n.id);

    emu.control.click(n.id, { actionId: 'ack' });
    await stream.next('notification', (d) => (d.notification as { status: string }).status === 'actioned');
    await stream.next('callback', (d) => (d.delivery as { status: string }).status === 'delivered');

    emu.control.updateUser(AGENT.id, { presence: 'Offline' });
    await stream.next('user', (d) => (d.user as { presence: string }).presence === 'Offline');

    // Only this agent's events.
    expect(
      stream.events.some(
        (e) => e.event === 'notification' && (e.data.notification as { userId: string }).userId === OTHER.id,
      ),
    ).toBe(false);
    // A reset starts the page over.
    emu.control.reset();
    await stream.next(
      'snapshot',
      (d) =>
        (d.notifications as unknown[]).length === 0 &&
        (d.user as { presence: string }).presence === 'Available',
    );
    stream.abort();
  });

  it('close() ends open event streams at once', async () => {
    const a = await openEvents(`${emu.url}/__emulator/events?userId=${AGENT.id}`);
    const b = await openEvents(`${emu.url}/__emulator/events`);
    await a.next('snapshot');
    await b.next('snapshot');
    // Without close() ending them the streams stay open (and close() waits on them): the test would time out.
    await emu.close();
    await expect(Promise.all([a.ended, b.ended])).resolves.toEqual([undefined, undefined]);
  });
});
