import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator';

export const CLIENT = { clientId: 'emulator-client', clientSecret: 'emulator-secret' };
export const NOTIFICATIONS = '/api/v2/desktop/notifications';

/** Response bodies in tests are loosely typed on purpose. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Loose = any;

export interface Res<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

export async function call<T = Loose>(
  base: string,
  method: string,
  path: string,
  opts: { token?: string; json?: unknown; headers?: Record<string, string>; raw?: string } = {},
): Promise<Res<T>> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: string | undefined = opts.raw;
  if (opts.json !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = JSON.stringify(opts.json);
  }
  const res = await fetch(base + path, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: parsed as T, headers: res.headers };
}

export async function getToken(base: string, creds = CLIENT): Promise<string> {
  const res = await call<{ access_token: string }>(base, 'POST', '/oauth/token', {
    raw: 'grant_type=client_credentials',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${creds.clientId}:${creds.clientSecret}`).toString('base64')}`,
    },
  });
  if (res.status !== 200) throw new Error(`token: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.access_token;
}

/** An emulator plus a token for the default client; `api` calls with that token. */
export async function setup(opts: EmulatorOptions = {}) {
  const emu: Emulator = await startEmulator(opts);
  const token = await getToken(emu.url);
  const api = <T = Loose>(
    method: string,
    path: string,
    json?: unknown,
    extra: { token?: string; headers?: Record<string, string> } = {},
  ) => call<T>(emu.url, method, path, { token: extra.token ?? token, json, headers: extra.headers });
  return { emu, token, api, control: emu.control };
}

export function notificationBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    userId: 'u-1',
    title: 'Compliance Review Required',
    message: 'Customer interaction flagged for secondary verification.',
    type: 'warning',
    idempotencyKey: `key-${Math.random().toString(36).slice(2)}`,
    ...overrides,
  };
}

export interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
  at: number;
}

/** A callback receiver whose answer each test chooses (status and delay), recording what it got. */
export async function startReceiver(
  answer: (n: number, r: Received) => { status: number; delayMs?: number } = () => ({ status: 202 }),
) {
  const received: Received[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: Received = {
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      };
      received.push(r);
      const { status, delayMs } = answer(received.length, r);
      const reply = () => {
        if (!res.destroyed) res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
      };
      if (delayMs) {
        const t = setTimeout(() => {
          timers.delete(t);
          reply();
        }, delayMs);
        timers.add(t);
      } else reply();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/desktop-callback`;
  return {
    url,
    received,
    close: async () => {
      for (const t of timers) clearTimeout(t);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
