/**
 * One service under test for the benchmark: its own emulator (in the bench process, beside the load
 * generator) and, as deployed, two processes of its own: the workers (design or baseline) and the ingress.
 */
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { freePort } from '../../src/dev/temporal';
import { startEmulator, type Emulator, type EmulatorUser } from '../../src/emulator';
import type { DesktopChannel } from '../../src/config';
import type { ChildStart } from './child';

/** `ceiling`: the trivial workflow (../ceiling) behind a minimal start endpoint, the bound of the other two. */
export type Kind = 'design' | 'baseline' | 'ceiling';
export interface LoopDelay {
  p50: number;
  p99: number;
  max: number;
}

export interface ServiceOptions {
  kind: Kind;
  temporalAddress: string;
  /** Resolves once the server at temporalAddress answers: the service's processes load in the meantime. */
  temporalReady?: Promise<unknown>;
  bundle: WorkflowBundleWithSourceMap;
  /** Emulator budget per minute (0: off). */
  limitPerMinute: number;
  /** Genesys calls per second: the design's queue cap, the baseline's token bucket (0: none). */
  capPerSecond: number;
  agents: number;
  /**
   * DESKTOP_CHANNELS, in order. Unset: the service's default, which against the emulator's explicit bases is
   * `agent-app,notifications-endpoint` (each alert asks the registry first, then goes to the endpoint).
   */
  desktopChannels?: DesktopChannel[];
  /** The agent app's PKCE client (GENESYS_APP_CLIENT_ID), given with the agent-app channel. */
  agentApp?: { clientId: string };
  /**
   * The design's workers and ingress in one process, as `npm start` runs them, with eager workflow start on or
   * off (ServiceOverrides.eagerStart). Unset: two processes, as deployed.
   */
  oneProcess?: { eagerStart: boolean };
}

export interface Service {
  kind: Kind;
  emulator: Emulator;
  /** The bench's own client (queries, queue config): not the ingress's. */
  client: Client;
  url: string;
  apiKey: string;
  secret: string;
  taskQueue: string;
  /** The queue holding Genesys activities (design: the companion queue; baseline: the alerts queue itself). */
  genesysQueue: string;
  users: EmulatorUser[];
  /** Callbacks in the ingress's inbox not yet applied to their workflow. */
  inboxPending(): Promise<number>;
  /** Event-loop delay (ms) of the worker and the ingress processes since the last call. */
  loopDelay(): Promise<{ worker: LoopDelay; ingress: LoopDelay }>;
  /** Process ids of the worker and the ingress (CPU accounting; one process: the worker's only). */
  pids: { worker: number; ingress?: number };
  close(): Promise<void>;
}

/**
 * BENCH_CPU_PROFILE=<part of a process name> (e.g. "design ingress", "worker"): those processes write a V8 CPU
 * profile (open it in Chrome DevTools) into bench/results/profiles/ when they exit.
 */
function cpuProfileArgs(name: string): string[] {
  const want = process.env.BENCH_CPU_PROFILE;
  if (!want || !name.includes(want)) return [];
  return ['--cpu-prof', `--cpu-prof-dir=${path.join(__dirname, '..', 'results', 'profiles')}`];
}

/** A forked service process (bench/perf/child.ts), driven over IPC. */
class Child {
  private readonly proc: ChildProcess;
  private nextId = 0;
  private readonly waiting = new Map<number, (v: unknown) => void>();
  private failed: string | undefined;
  readonly exited: Promise<number | null>;

  constructor(readonly name: string) {
    this.proc = fork(path.join(__dirname, 'child.ts'), [], {
      execArgv: ['--import', 'tsx', ...cpuProfileArgs(name)],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.exited = new Promise((r) => this.proc.once('exit', (code) => r(code)));
    this.proc.on(
      'message',
      (m: { type: string; id?: number; n?: number; stats?: LoopDelay; message?: string }) => {
        if (m.type === 'pending') this.waiting.get(m.id!)?.(m.n!);
        if (m.type === 'loop') this.waiting.get(m.id!)?.(m.stats!);
        if (m.type === 'error') this.failed = m.message;
      },
    );
  }

  get pid(): number {
    return this.proc.pid!;
  }

  async start(o: ChildStart): Promise<{ url?: string }> {
    return new Promise((resolve, reject) => {
      const onMessage = (m: { type: string; url?: string; message?: string }) => {
        if (m.type === 'ready') {
          this.proc.off('message', onMessage);
          resolve({ url: m.url });
        } else if (m.type === 'error') reject(new Error(`${this.name}: ${m.message}`));
      };
      this.proc.on('message', onMessage);
      this.proc.once('exit', (code) =>
        reject(new Error(`${this.name} exited (${code}) before it was ready: ${this.failed ?? ''}`)),
      );
      this.proc.send({ type: 'start', ...o });
    });
  }

  /** Callbacks not yet applied (ingress). */
  pending(): Promise<number> {
    return this.ask<number>('pending');
  }

  /** Event-loop delay (ms) since the last ask. */
  loopDelay(): Promise<LoopDelay> {
    return this.ask<LoopDelay>('loop');
  }

  private ask<T>(type: string): Promise<T> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (!this.proc.connected) return reject(new Error(`${this.name} is gone: ${this.failed ?? ''}`));
      this.waiting.set(id, (v) => {
        this.waiting.delete(id);
        resolve(v as T);
      });
      this.proc.send({ type, id });
    });
  }

  async close(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    if (this.proc.connected) this.proc.send({ type: 'close' });
    const t = setTimeout(() => this.proc.kill('SIGKILL'), 30_000);
    await this.exited;
    clearTimeout(t);
  }
}

export async function startService(o: ServiceOptions): Promise<Service> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `bench-${o.kind}-`));
  const secret = `whsec_${randomBytes(24).toString('base64')}`;
  const apiKey = `bench-${randomBytes(8).toString('hex')}`;
  const users = Array.from({ length: o.agents }, (_, i) => ({
    name: `Agent ${i}`,
    email: `agent.${i}@bench.example.com`,
    presence: 'Available',
  }));
  const emulator = await startEmulator({
    rateLimitPerMinute: o.limitPerMinute,
    callbackSigningSecret: secret,
    users,
    maxRequestLog: 500_000,
    timeScale: 1,
  });
  const port = await freePort();
  const env: Record<string, string> = {
    LOG_LEVEL: 'silent',
    TEMPORAL_ADDRESS: o.temporalAddress,
    GENESYS_API_BASE: emulator.url,
    GENESYS_LOGIN_BASE: emulator.url,
    GENESYS_CLIENT_ID: 'emulator-client',
    GENESYS_CLIENT_SECRET: 'emulator-secret',
    GENESYS_RATE_LIMIT_PER_MINUTE: String(Math.max(1, o.limitPerMinute)),
    INGRESS_API_KEYS: apiKey,
    CALLBACK_SIGNING_SECRET: secret,
    HOST: '127.0.0.1',
    ACTION_URL_ALLOWED_HOSTS: 'crm.example.com',
    PORT: String(port),
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    DATA_DIR: dir,
    ...(o.desktopChannels ? { DESKTOP_CHANNELS: o.desktopChannels.join(',') } : {}),
    ...(o.agentApp ? { GENESYS_APP_CLIENT_ID: o.agentApp.clientId } : {}),
  };
  const taskQueue = `bench-${o.kind}-${randomBytes(4).toString('hex')}`;
  const bundlePath = path.join(dir, 'workflow-bundle.js');
  fs.writeFileSync(bundlePath, o.bundle.code);
  // Forked now: they load (about 2 s) while the Temporal server may still be starting.
  const worker = new Child(o.oneProcess ? `${o.kind} worker+ingress` : `${o.kind} worker`);
  const ingress = o.oneProcess ? worker : new Child(`${o.kind} ingress`);
  let conn: Connection | undefined;
  const closeAll = async () => {
    await ingress.close();
    await worker.close();
    await conn?.close();
    await emulator.close();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  let url: string;
  let client: Client;
  try {
    await o.temporalReady;
    conn = await Connection.connect({ address: o.temporalAddress });
    client = new Client({ connection: conn, namespace: 'default' });
    const common = { kind: o.kind, env, taskQueue };
    const inboxFile = path.join(dir, 'callbacks.sqlite');
    if (o.oneProcess) {
      const started = await worker.start({
        ...common,
        role: 'both',
        bundlePath,
        capPerSecond: o.capPerSecond,
        inboxFile,
        eagerStart: o.oneProcess.eagerStart,
      });
      url = started.url!;
    } else {
      const [, started] = await Promise.all([
        worker.start({ ...common, role: 'worker', bundlePath, capPerSecond: o.capPerSecond }),
        ingress.start({ ...common, role: 'ingress', inboxFile }),
      ]);
      url = started.url!;
    }
  } catch (err) {
    await closeAll();
    throw err;
  }
  return {
    kind: o.kind,
    emulator,
    client,
    url,
    apiKey,
    secret,
    taskQueue,
    genesysQueue: o.kind === 'design' ? `${taskQueue}-genesys` : taskQueue,
    users: emulator.control.listUsers(),
    inboxPending: () => ingress.pending(),
    loopDelay: async () => ({ worker: await worker.loopDelay(), ingress: await ingress.loopDelay() }),
    pids: { worker: worker.pid, ingress: o.oneProcess ? undefined : ingress.pid },
    close: closeAll,
  };
}
