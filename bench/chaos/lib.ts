/**
 * Building blocks of the chaos run: a supervised worker child process, a fallback webhook sink, a
 * caller that retries the way a well-behaved client does, and the per-scenario stack (emulator +
 * ingress + worker on a task queue of its own, against the run's one Temporal dev server).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import pino from 'pino';
import { parseApiKeys, type Config } from '../../src/config';
import { freePort, startDevServer, type DevServer } from '../../src/dev/temporal';
import {
  startEmulator,
  type Emulator,
  type EmulatorNotification,
  type EmulatorUserSeed,
} from '../../src/emulator';
import { startService, type Ingress } from '../../src/service';
import { createLogger, type Logger } from '../../src/observability/logger';

export const ROOT = path.resolve(__dirname, '..', '..');
export const API_KEY = 'chaos-api-key-0123456789abcdef';
export const SIGNING_SECRET =
  'whsec_' + Buffer.from('chaos-callback-signing-secret-0123456789').toString('base64');
export const CLIENT = { clientId: 'chaos-client', clientSecret: 'chaos-client-secret-0123456789' };

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Run `fn` over items with at most `n` in flight. */
export async function pool<T, R>(
  items: readonly T[],
  n: number,
  fn: (item: T, i: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!, i);
      }
    }),
  );
  return out;
}

/** Poll until `fn` is true or the time is up; returns whether it became true. */
export async function waitUntil(
  fn: () => boolean | Promise<boolean>,
  timeoutMs: number,
  everyMs = 250,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await fn()) return true;
    if (Date.now() > deadline) return false;
    await sleep(everyMs);
  }
}

export function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/** A small deterministic PRNG so a run's mix of faults can be reproduced (mulberry32). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ------------------------------------------------------------------------------------------
// The worker child process
// ------------------------------------------------------------------------------------------

/**
 * One worker process (bench/chaos/worker-process.ts under `node --import tsx`, so a signal reaches
 * the worker itself and not a wrapper). Like a process supervisor, it starts a new one whenever the
 * current one dies, until stop(). `opts` runs another script the same way (the cluster run supervises
 * src/worker.ts and src/server.ts with it), ready once its stdout shows `opts.ready`.
 */
export class WorkerProcess {
  private child?: ChildProcess;
  private supervising = true;
  private readyWaiters: Array<() => void> = [];
  starts = 0;
  kills = 0;
  /** Exits nobody asked for (not SIGKILLed by the run, not stopped). */
  crashes = 0;
  private expectingExit = false;

  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly logFile: string,
    private readonly opts: { script?: string; ready?: string } = {},
  ) {}

  /** The running process's id (undefined between a death and its replacement). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(): Promise<void> {
    this.spawnOne();
    await this.ready(90_000);
  }

  private spawnOne(): void {
    this.starts++;
    this.expectingExit = false;
    const out = fs.openSync(this.logFile, 'a');
    const script = this.opts.script ?? path.join(__dirname, 'worker-process.ts');
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: ROOT,
      env: { ...process.env, ...this.env },
      stdio: ['ignore', 'pipe', out],
    });
    fs.closeSync(out);
    this.child = child;
    let buf = '';
    let ready = false;
    const log = fs.createWriteStream(this.logFile, { flags: 'a' });
    child.once('exit', () => log.end());
    child.stdout!.on('data', (c: Buffer) => {
      log.write(c);
      buf += c.toString('utf8');
      // Once per process: later output of a process about to be killed must not wake its successor's waiters.
      if (!ready && buf.includes(this.opts.ready ?? 'worker ready')) {
        ready = true;
        const waiters = this.readyWaiters;
        this.readyWaiters = [];
        for (const w of waiters) w();
      }
      if (buf.length > 1 << 16) buf = buf.slice(-1024);
    });
    child.once('exit', () => {
      if (this.child !== child) return;
      this.child = undefined;
      if (!this.expectingExit) this.crashes++;
      if (this.supervising) setTimeout(() => this.supervising && !this.child && this.spawnOne(), 250);
    });
  }

  /** Resolves when the current process prints `worker ready`. */
  ready(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(
        () => reject(new Error(`process not ready within ${timeoutMs} ms (see ${this.logFile})`)),
        timeoutMs,
      );
      this.readyWaiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  /** SIGKILL the running worker (no chance to clean up); the supervisor starts a new one. */
  async kill9(): Promise<void> {
    const c = this.child;
    if (!c) return;
    this.kills++;
    this.expectingExit = true;
    const exited = new Promise<void>((r) => c.once('exit', () => r()));
    const readyAgain = this.ready(90_000);
    c.kill('SIGKILL');
    await exited;
    await readyAgain;
  }

  async stop(): Promise<void> {
    this.supervising = false;
    const c = this.child;
    if (!c) return;
    this.expectingExit = true;
    const exited = new Promise<void>((r) => c.once('exit', () => r()));
    c.kill('SIGTERM');
    const t = setTimeout(() => c.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(t);
  }
}

// ------------------------------------------------------------------------------------------
// The fallback webhook sink
// ------------------------------------------------------------------------------------------

export interface Sink {
  url: string;
  /** alertId -> deliveries received (webhook retries of one event share a webhook-id). */
  byAlert: Map<string, number>;
  close(): Promise<void>;
}

export async function startSink(): Promise<Sink> {
  const byAlert = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { alertId?: string };
        if (body.alertId) byAlert.set(body.alertId, (byAlert.get(body.alertId) ?? 0) + 1);
      } catch {
        /* counted as nothing */
      }
      res.statusCode = 200;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/fallback`,
    byAlert,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

// ------------------------------------------------------------------------------------------
// Callers
// ------------------------------------------------------------------------------------------

export interface CallResult {
  /** Final HTTP status (0: no answer at all). */
  status: number;
  attempts: number;
  /** Answers other than 2xx (and network errors) seen on the way, retried or not. */
  errors: number;
  body?: unknown;
}

/**
 * POST an alert like a well-behaved client: the same idempotency key on every attempt, and on a 503
 * or a network error another try after Retry-After, until `deadline`. With `retry: false`, one try.
 */
export async function postAlert(
  baseUrl: string,
  body: Record<string, unknown>,
  opts: { retry: boolean; deadline: number },
): Promise<CallResult> {
  let attempts = 0;
  let errors = 0;
  for (;;) {
    attempts++;
    let status = 0;
    let wait = 1_000;
    let json: unknown;
    try {
      const res = await fetch(`${baseUrl}/v1/alerts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(15_000),
      });
      status = res.status;
      json = await res.json().catch(() => undefined);
      wait = Number(res.headers.get('retry-after') ?? 1) * 1000;
    } catch {
      status = 0;
    }
    if (status >= 200 && status < 300) return { status, attempts, errors, body: json };
    errors++;
    const retryable = status === 0 || status === 503;
    if (!opts.retry || !retryable || Date.now() + wait > opts.deadline)
      return { status, attempts, errors, body: json };
    await sleep(wait);
  }
}

// ------------------------------------------------------------------------------------------
// The run's Temporal server and each scenario's stack
// ------------------------------------------------------------------------------------------

export interface RunEnv {
  dir: string;
  dbFile: string;
  temporal: DevServer;
  port: number;
  bundleFile: string;
  runId: string;
  log: (msg: string) => void;
}

/** Stop the Temporal server, keep it down for `downMs`, start it again on the same port and database. */
export async function restartTemporal(
  env: RunEnv,
  downMs: number,
  during?: () => Promise<void>,
): Promise<{ downForMs: number }> {
  const t0 = Date.now();
  await env.temporal.stop();
  env.log(`  temporal stopped`);
  await Promise.all([sleep(downMs), during?.()]);
  env.temporal = await startDevServer({
    dbFile: env.dbFile,
    port: env.port,
    ui: false,
    logFile: env.dbFile.replace(/\.sqlite$/, '.log'),
  });
  env.log(`  temporal back after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return { downForMs: Date.now() - t0 };
}

export interface Stack {
  name: string;
  emulator: Emulator;
  sink: Sink;
  ingress: Ingress;
  worker: WorkerProcess;
  taskQueue: string;
  config: Config;
  logger: Logger;
  close(): Promise<void>;
}

export function users(n: number, prefix = 'agent'): EmulatorUserSeed[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `${prefix}-${String(i).padStart(4, '0')}`,
    name: `Agent ${i}`,
    email: `${prefix}-${i}@example.com`,
    presence: 'Available',
    routingStatus: 'IDLE',
  }));
}

export async function startStack(
  env: RunEnv,
  name: string,
  opts: { users: EmulatorUserSeed[]; genesysTimeoutMs?: number; fallback?: boolean },
): Promise<Stack> {
  const taskQueue = `chaos-${name}-${env.runId}`;
  const emulator = await startEmulator({
    rateLimitPerMinute: 0,
    timeScale: 0.01,
    callbackSigningSecret: SIGNING_SECRET,
    users: opts.users,
    clients: [CLIENT],
  });
  const sink = await startSink();
  const port = await freePort();
  const logger = createLogger({
    level: 'info',
    name: `chaos-${name}`,
    destination: pino.destination({ dest: path.join(env.dir, `${name}-ingress.log`), sync: false }),
  });
  const config: Config = {
    logLevel: 'info',
    desktopChannels: ['notifications-endpoint'],
    agentApp: { hostOrigins: [], heartbeatSeconds: 10 },
    temporal: { address: env.temporal.address, namespace: env.temporal.namespace },
    genesys: {
      rateLimitPerMinute: 60_000,
      rateLimitShare: 1,
      notificationsPath: '/api/v2/desktop/notifications',
      timeoutMs: opts.genesysTimeoutMs ?? 3_000,
    },
    ingress: {
      port,
      host: '127.0.0.1',
      publicBaseUrl: `http://127.0.0.1:${port}`,
      apiKeys: parseApiKeys([API_KEY]),
      // The bench measures the service, not the per-key limit.
      rateLimitPerMinute: 0,
      callbackSigningSecret: SIGNING_SECRET,
      actionUrlAllowedHosts: ['crm.example.com'],
    },
    fallback: { smtpFrom: 'chaos@localhost', ...(opts.fallback ? { webhookUrl: sink.url } : {}) },
    downstream: {},
    defaultAlertTtlSeconds: 3600,
    dataDir: path.join(env.dir, name),
    callbackRetentionDays: 7,
  };
  const service = await startService(config, {
    logger,
    taskQueue,
    workers: false,
    ingress: {
      inboxFile: path.join(env.dir, `${name}-inbox.sqlite`),
      relay: { initialBackoffMs: 100, maxBackoffMs: 1_000, pollIntervalMs: 500, concurrency: 16 },
    },
  });
  const ingress = service.ingress!;
  const worker = new WorkerProcess(
    {
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      LOG_FORMAT: 'json',
      TEMPORAL_ADDRESS: env.temporal.address,
      TEMPORAL_NAMESPACE: env.temporal.namespace,
      GENESYS_API_BASE: emulator.url,
      GENESYS_LOGIN_BASE: emulator.url,
      GENESYS_CLIENT_ID: CLIENT.clientId,
      GENESYS_CLIENT_SECRET: CLIENT.clientSecret,
      GENESYS_TIMEOUT_MS: String(config.genesys.timeoutMs),
      FALLBACK_WEBHOOK_URL: opts.fallback ? sink.url : '',
      CHAOS_TASK_QUEUE: taskQueue,
      CHAOS_WORKFLOW_BUNDLE: env.bundleFile,
      CHAOS_GENESYS_RPS: '0',
    },
    path.join(env.dir, `${name}-worker.log`),
  );
  await worker.start();
  return {
    name,
    emulator,
    sink,
    ingress,
    worker,
    taskQueue,
    config,
    logger,
    async close() {
      await worker.stop();
      await service.close();
      await emulator.close();
      await sink.close();
      logger.flush();
    },
  };
}

/** A valid alert body; `title` identifies the alert at the emulator, so a second toast for it is seen. */
export function alertBody(
  key: string,
  title: string,
  userId: string,
  callback = false,
): Record<string, unknown> {
  return {
    idempotencyKey: key,
    target: { userId },
    title,
    message: `chaos run: ${title}`,
    type: 'warning',
    actions: callback
      ? [{ id: 'ack', label: 'Acknowledge', actionType: 'callback', metadata: { run: 'chaos' } }]
      : [{ id: 'open', label: 'Open', actionType: 'openUrl', url: 'https://crm.example.com/cases/1' }],
  };
}

export interface DeliveryReport {
  toasts: number;
  duplicates: number;
  fallbacks: number;
  lost: number;
  /** Keys neither shown nor fallen back. */
  lostKeys: string[];
}

/** What the emulator showed and the sink received for these alerts (title -> alert key). */
export function deliveryReport(
  stack: Stack,
  alerts: Array<{ key: string; title: string; alertId: string }>,
): DeliveryReport {
  const wanted = new Set(alerts.map((a) => a.title));
  const byTitle = new Map<string, EmulatorNotification[]>();
  for (const n of stack.emulator.control.listNotifications()) {
    if (!wanted.has(n.title)) continue;
    const list = byTitle.get(n.title) ?? [];
    list.push(n);
    byTitle.set(n.title, list);
  }
  let toasts = 0;
  let duplicates = 0;
  let fallbacks = 0;
  const lostKeys: string[] = [];
  for (const a of alerts) {
    const shown = (byTitle.get(a.title) ?? []).filter((n) => n.deliverable);
    if (shown.length > 0) toasts++;
    duplicates += Math.max(0, (byTitle.get(a.title)?.length ?? 0) - 1);
    const fb = stack.sink.byAlert.has(a.alertId);
    if (fb) fallbacks++;
    if (shown.length === 0 && !fb) lostKeys.push(a.key);
  }
  return { toasts, duplicates, fallbacks, lost: lostKeys.length, lostKeys };
}
