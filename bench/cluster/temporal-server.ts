/**
 * The Temporal server on PostgreSQL, set up the way the compose stack's temporalio/auto-setup image does it:
 * temporal-sql-tool create-database, setup-schema -v 0.0 and update-schema -d <the module's versioned schema>
 * for the `temporal` and `temporal_visibility` databases; the module's config/development-postgres12.yaml with
 * free ports; the dynamic config docker-compose.yml mounts (deploy/temporal/dynamicconfig.yaml); the namespace;
 * and the search attributes registered by deploy/temporal/register-search-attributes.sh, the compose's own script.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { parse, stringify } from 'yaml';
import { SEARCH_ATTRIBUTE_DEFINITIONS } from '../../src/dev/search-attributes';
import { ensureSearchAttributes, freePort, waitForServer } from '../../src/dev/temporal';
import type { TemporalBinaries } from './build';
import { DYNAMIC_CONFIG_FILE, REGISTER_SEARCH_ATTRIBUTES_SCRIPT, ROOT, SQL_PLUGIN } from './files';
import type { Postgres } from './postgres';

export { ROOT };
export const NAMESPACE = 'default';

type Log = (m: string) => void;

function sqlTool(bins: TemporalBinaries, pg: Postgres, db: string, args: string[]): void {
  const r = spawnSync(
    bins.sqlTool,
    ['--plugin', SQL_PLUGIN, '--ep', '127.0.0.1', '-p', String(pg.port), '-u', pg.user, '--db', db, ...args],
    { encoding: 'utf8' },
  );
  if (r.status !== 0)
    throw new Error(
      `temporal-sql-tool --db ${db} ${args.join(' ')} failed (exit ${r.status}): ${r.stderr || r.stdout}`,
    );
}

/** `temporal-server validate-dynamic-config` on the compose's dynamic config: unknown keys or bad values fail the run. */
export function validateDynamicConfig(bins: TemporalBinaries, log: Log): void {
  const r = spawnSync(bins.server, ['validate-dynamic-config', DYNAMIC_CONFIG_FILE], { encoding: 'utf8' });
  const out = `${r.stdout}${r.stderr}`.trim();
  if (r.status !== 0 || /error|unknown|invalid/i.test(out))
    throw new Error(`deploy/temporal/dynamicconfig.yaml does not validate on ${bins.server}: ${out}`);
  log(`cluster: deploy/temporal/dynamicconfig.yaml validates (${out.split('\n').at(-1) ?? 'ok'})`);
}

/** Both databases and their schemas, from the module's schema/postgresql/v12 (what auto-setup.sh runs). */
export function setupSchemas(bins: TemporalBinaries, pg: Postgres, log: Log): void {
  for (const [db, schema] of [
    ['temporal', 'temporal'],
    ['temporal_visibility', 'visibility'],
  ] as const) {
    const dir = path.join(bins.moduleDir, 'schema', 'postgresql', 'v12', schema, 'versioned');
    sqlTool(bins, pg, db, ['create-database']);
    sqlTool(bins, pg, db, ['setup-schema', '-v', '0.0']);
    sqlTool(bins, pg, db, ['update-schema', '-d', dir]);
    log(`cluster: schema ${db} set up from schema/postgresql/v12/${schema}/versioned`);
  }
}

/**
 * A free port below 32768: the server records each service's membership port in cluster_membership, a smallint
 * column, so the kernel's ephemeral ports (32768 and up, what port 0 gives) fail its start-up.
 */
export async function freeMembershipPort(): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const ok = await new Promise<boolean>((resolve) => {
      const srv = net.createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
    if (ok) return port;
  }
  throw new Error('no free port between 20000 and 32000');
}

interface ServiceRpc {
  rpc: { grpcPort: number; membershipPort: number; httpPort?: number; bindOnLocalHost?: boolean };
}

/** The module's development-postgres12.yaml with this run's database, free ports and the project's dynamic config. */
export async function writeServerConfig(
  bins: TemporalBinaries,
  pg: Postgres,
  dir: string,
): Promise<{
  file: string;
  address: string;
}> {
  const cfg = parse(
    fs.readFileSync(path.join(bins.moduleDir, 'config', 'development-postgres12.yaml'), 'utf8'),
  ) as {
    persistence: { datastores: Record<string, { sql: Record<string, unknown> }> };
    global: Record<string, unknown> & { pprof?: { port: number } };
    services: Record<string, ServiceRpc>;
    clusterMetadata: { clusterInformation: Record<string, { rpcAddress: string }> };
    dynamicConfigClient: { filepath: string; pollInterval: string };
    archival?: unknown;
    namespaceDefaults?: unknown;
  };
  for (const store of Object.values(cfg.persistence.datastores)) {
    if (store.sql.pluginName !== SQL_PLUGIN)
      throw new Error(`development-postgres12.yaml: plugin ${String(store.sql.pluginName)}`);
    store.sql.connectAddr = `127.0.0.1:${pg.port}`;
    store.sql.user = pg.user;
    store.sql.password = '';
  }
  // No pprof, no Prometheus listener (fixed ports in the sample), no archival (writes under /tmp).
  delete cfg.global.pprof;
  delete cfg.global.metrics;
  delete cfg.archival;
  delete cfg.namespaceDefaults;
  for (const svc of Object.values(cfg.services)) {
    svc.rpc.grpcPort = await freePort();
    svc.rpc.membershipPort = await freeMembershipPort();
    if (svc.rpc.httpPort !== undefined) svc.rpc.httpPort = await freePort();
  }
  const frontend = cfg.services.frontend!.rpc.grpcPort;
  cfg.clusterMetadata.clusterInformation.active!.rpcAddress = `127.0.0.1:${frontend}`;
  cfg.dynamicConfigClient = { filepath: DYNAMIC_CONFIG_FILE, pollInterval: '10s' };
  const file = path.join(dir, 'temporal-server.yaml');
  fs.writeFileSync(file, stringify(cfg));
  return { file, address: `127.0.0.1:${frontend}` };
}

export class TemporalServer {
  private child?: ChildProcess;
  private exited?: Promise<void>;
  starts = 0;

  constructor(
    private readonly bins: TemporalBinaries,
    private readonly configFile: string,
    readonly address: string,
    private readonly logFile: string,
  ) {}

  /** Start `temporal-server start` and wait until its frontend answers. */
  async start(): Promise<void> {
    this.starts++;
    const out = fs.openSync(this.logFile, 'a');
    const child = spawn(this.bins.server, ['--config-file', this.configFile, '--allow-no-auth', 'start'], {
      stdio: ['ignore', out, out],
    });
    fs.closeSync(out);
    this.child = child;
    this.exited = new Promise<void>((r) => child.once('exit', () => r()));
    try {
      await waitForServer(this.address, child, 120_000);
    } catch (err) {
      await this.stop();
      throw new Error(`${String(err)} (log: ${this.logFile})`);
    }
  }

  /** SIGTERM (graceful), SIGKILL after 20 s. */
  async stop(): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    c.kill('SIGTERM');
    const t = setTimeout(() => c.kill('SIGKILL'), 20_000);
    await this.exited;
    clearTimeout(t);
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }
}

/** Register the namespace (as auto-setup's DEFAULT_NAMESPACE does), idempotent. */
export async function ensureNamespace(address: string, namespace: string, log: Log): Promise<void> {
  const conn = await Connection.connect({ address });
  try {
    try {
      await conn.workflowService.registerNamespace({
        namespace,
        workflowExecutionRetentionPeriod: msToTs('1 day'),
      });
      log(`cluster: namespace ${namespace} registered`);
    } catch (err) {
      if (!/already exists/i.test(String(err))) throw err;
    }
    // The frontend's namespace cache refreshes every few seconds: wait until the namespace serves requests.
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        await conn.workflowService.countWorkflowExecutions({ namespace, query: '' });
        return;
      } catch (err) {
        if (Date.now() > deadline)
          throw new Error(`namespace ${namespace} not usable after 60 s: ${String(err)}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  } finally {
    await conn.close();
  }
}

/**
 * The compose's registration script, run as the temporal-admin-tools container runs it (TEMPORAL_ADDRESS,
 * TEMPORAL_NAMESPACE, SEARCH_ATTRIBUTES from the compose file, `temporal` on PATH); then the SDK check
 * (src/dev/temporal.ts) that every definition is there, which registers nothing when the script did its job.
 */
export async function registerSearchAttributes(
  cli: string,
  address: string,
  namespace: string,
  searchAttributes: string,
  log: Log,
): Promise<void> {
  const r = spawnSync('sh', [REGISTER_SEARCH_ATTRIBUTES_SCRIPT], {
    encoding: 'utf8',
    env: {
      ...process.env,
      PATH: `${path.dirname(cli)}${path.delimiter}${process.env.PATH ?? ''}`,
      TEMPORAL_ADDRESS: address,
      TEMPORAL_NAMESPACE: namespace,
      SEARCH_ATTRIBUTES: searchAttributes,
    },
    timeout: 240_000,
  });
  if (r.status !== 0)
    throw new Error(
      `deploy/temporal/register-search-attributes.sh failed (exit ${r.status}): ${r.stderr || r.stdout}`,
    );
  const added = await ensureSearchAttributes(address, namespace);
  if (added.length > 0)
    throw new Error(`the compose's registration missed ${added.join(', ')} (registered now by the SDK)`);
  log(
    `cluster: search attributes registered by register-search-attributes.sh: ${Object.keys(SEARCH_ATTRIBUTE_DEFINITIONS).join(', ')}`,
  );
}
