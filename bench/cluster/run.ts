/**
 * `npm run cluster`: the production deployment of docker-compose.yml, built from packages instead of images, under
 * load and chaos. Temporal server 1.32.2 (built from its Go module, cached outside the clone) on a throw-away
 * PostgreSQL, with the compose's dynamic config and search attribute script; two workers (src/worker.ts) and two
 * ingress nodes (src/server.ts) with production configuration; the Genesys emulator as Genesys.
 *
 * Phases: throughput (alerts through both ingress nodes), callbacks (every toast clicked: signed callbacks through
 * the balancer, ack p99), chaos (alerts clicked as they appear while one worker and one ingress are killed -9 and the
 * Temporal server restarts). Checks lost = 0 and duplicated = 0 as measured, writes bench/results/cluster.json, and
 * exits 1 when anything failed (or could not be had: no Go, no PostgreSQL).
 *
 *   npm run cluster                                  # 300 + 300 alerts
 *   npm run cluster -- --alerts 200 --chaos-alerts 200
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { parse } from 'yaml';
import { findTemporalCli } from '../../src/dev/temporal';
import { sleep, waitUntil } from '../chaos/lib';
import { ensureTemporalBinaries, TEMPORAL_SERVER_VERSION } from './build';
import {
  accepted,
  ackTimes,
  autoClicker,
  clickShown,
  finalStates,
  plan,
  postAll,
  shown,
  tally,
  type Planned,
  type Posted,
} from './load';
import { startPostgres, type Postgres } from './postgres';
import { startServices, type Services } from './services';
import {
  ensureNamespace,
  NAMESPACE,
  registerSearchAttributes,
  ROOT,
  setupSchemas,
  TemporalServer,
  validateDynamicConfig,
  writeServerConfig,
} from './temporal-server';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

const started = Date.now();
const log = (m: string) =>
  process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${m}\n`);
const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;

/** The compose's SEARCH_ATTRIBUTES for temporal-admin-tools, as it hands them to the registration script. */
function composeSearchAttributes(): string {
  const compose = parse(fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, { environment?: Record<string, string> }>;
  };
  const v = compose.services['temporal-admin-tools']?.environment?.SEARCH_ATTRIBUTES;
  if (!v) throw new Error('docker-compose.yml: temporal-admin-tools has no SEARCH_ATTRIBUTES');
  return v.trim();
}

interface Event {
  at: string;
  secondsIntoRun: number;
  what: string;
}

async function main(): Promise<void> {
  const nThroughput = arg('alerts', 300);
  const nChaos = arg('chaos-alerts', 300);
  const failures: string[] = [];
  const events: Event[] = [];
  const event = (what: string) => {
    events.push({ at: new Date().toISOString(), secondsIntoRun: round((Date.now() - started) / 1000), what });
    log(`cluster: ${what}`);
  };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'desktop-alerts-cluster-'));
  const pgDir = fs.mkdtempSync(path.join(os.tmpdir(), 'desktop-alerts-pg-'));
  log(`cluster: working folder ${dir}`);
  let pg: Postgres | undefined;
  let temporal: TemporalServer | undefined;
  let services: Services | undefined;
  let passed = false;
  // Ctrl-C or a kill of the run still stops everything it started.
  const cleanup = async () => {
    await services?.close().catch(() => {});
    await temporal?.stop().catch(() => {});
    await pg?.stop().catch(() => {});
  };
  for (const sig of ['SIGINT', 'SIGTERM'] as const)
    process.once(sig, () => {
      log(`cluster: ${sig}: stopping everything`);
      void cleanup().then(() => process.exit(1));
    });
  try {
    // 1. Binaries, database, schemas, server.
    const bins = ensureTemporalBinaries(log);
    validateDynamicConfig(bins, log);
    const cli = findTemporalCli(log);
    if (!cli) throw new Error('no Temporal CLI (npm run setup installs it into .tools/)');
    pg = await startPostgres(pgDir, 'temporal', log);
    const t0 = Date.now();
    setupSchemas(bins, pg, log);
    const { file, address } = await writeServerConfig(bins, pg, dir);
    temporal = new TemporalServer(bins, file, address, path.join(dir, 'temporal-server.log'));
    await temporal.start();
    const conn = await Connection.connect({ address });
    const info = await conn.workflowService.getSystemInfo({});
    await conn.close();
    log(
      `cluster: Temporal server ${info.serverVersion} at ${address} (up ${round((Date.now() - t0) / 1000)} s after the schemas)`,
    );
    if (info.serverVersion !== TEMPORAL_SERVER_VERSION)
      failures.push(`server reports ${info.serverVersion}, expected ${TEMPORAL_SERVER_VERSION}`);
    await ensureNamespace(address, NAMESPACE, log);
    await registerSearchAttributes(cli, address, NAMESPACE, composeSearchAttributes(), log);

    // 2. The application.
    services = await startServices(dir, address, NAMESPACE, log);
    const s = services;
    const bases = s.ingresses.map((x) => x.url);
    const runId = randomBytes(4).toString('hex');

    // 3. Throughput: alerts through both ingress nodes, as fast as 16 callers get answers.
    const tp = plan(runId, 'throughput', nThroughput);
    log(`cluster: throughput: ${tp.length} alerts, 16 in flight, alternating the two ingress nodes`);
    const tpStart = Date.now();
    const tpPosted = await postAll(bases, s.apiKey, tp, { concurrency: 16 });
    const tpAccepted = accepted(tpPosted.results);
    const allShown = await waitUntil(() => shown(s.emulator, tp) === tp.length, 180_000, 100);
    const tpShownSeconds = (Date.now() - tpStart) / 1000;
    const throughput = {
      alerts: tp.length,
      accepted: tpAccepted,
      seconds: round(tpPosted.seconds, 2),
      alertsPerSecond: round(tpAccepted / tpPosted.seconds),
      /** First request -> last toast on screen. */
      shownPerSecond: round(tp.length / tpShownSeconds),
    };
    log(
      `cluster: throughput: ${tpAccepted}/${tp.length} accepted in ${throughput.seconds} s = ${throughput.alertsPerSecond} alerts/s; all shown: ${allShown}`,
    );
    if (!allShown) failures.push(`throughput: ${tp.length - shown(s.emulator, tp)} alerts never shown`);

    // 4. Callbacks: the agents click every toast of the throughput phase, 50 clicks/s.
    log(
      `cluster: callbacks: clicking ${tp.length} toasts at 50/s (signed callbacks -> balancer -> ingress -> workflow)`,
    );
    const c0 = Date.now();
    let clicked = 0;
    while (clicked < tp.length && Date.now() - c0 < 120_000) {
      clicked += clickShown(s.emulator, tp, 5);
      await sleep(100);
    }
    await s.emulator.control.waitForCallbacksIdle(120_000);
    await finalStates(bases, s.apiKey, tp, 120_000);
    const ack = ackTimes(s.emulator, tp);
    const callbacks = {
      clicks: clicked,
      delivered: ack.n,
      ackP50Ms: round(ack.p50),
      ackP99Ms: round(ack.p99),
      ackMaxMs: round(ack.max),
      seconds: round((Date.now() - c0) / 1000),
    };
    log(`cluster: callbacks: ${JSON.stringify(callbacks)}`);
    if (ack.n !== clicked)
      failures.push(`callbacks: ${clicked - ack.n} of ${clicked} clicks never acknowledged 2xx`);

    // 5. Chaos: alerts at 15/s, clicked as they appear; kill -9 a worker at 20 %, an ingress at 45 %, restart the
    // Temporal server at 70 % of the answers.
    const ch = plan(runId, 'chaos', nChaos);
    log(
      `cluster: chaos: ${ch.length} alerts at 15/s, clicked as they appear; kill -9 worker, kill -9 ingress, Temporal restart`,
    );
    const clicker = autoClicker(s.emulator, ch);
    const chaosDone: Array<Promise<void>> = [];
    const at = (share: number, fn: () => Promise<void>) => {
      let fired = false;
      return (done: number) => {
        if (fired || done < share * ch.length) return;
        fired = true;
        chaosDone.push(fn().catch((err: unknown) => void failures.push(`chaos step failed: ${String(err)}`)));
      };
    };
    const steps = [
      at(0.2, async () => {
        const w = s.workers[0]!;
        event(`kill -9 worker-1 (pid ${w.pid})`);
        await w.kill9();
        event(`worker-1 back (pid ${w.pid})`);
      }),
      at(0.45, async () => {
        const x = s.ingresses[0]!;
        event(`kill -9 ${x.name} (pid ${x.proc.pid})`);
        await x.proc.kill9();
        event(`${x.name} back (pid ${x.proc.pid})`);
      }),
      at(0.7, async () => {
        event('Temporal server stopped (SIGTERM) for a restart');
        await temporal!.restart();
        event('Temporal server back');
      }),
    ];
    const chPosted = await postAll(bases, s.apiKey, ch, {
      concurrency: 8,
      perSecond: 15,
      onAnswer: (done) => steps.forEach((st) => st(done)),
    });
    await Promise.all(chaosDone);
    const chShown = await waitUntil(() => shown(s.emulator, ch) === accepted(chPosted.results), 240_000, 250);
    if (!chShown)
      failures.push(
        `chaos: ${accepted(chPosted.results) - shown(s.emulator, ch)} accepted alerts never shown`,
      );
    await finalStates(bases, s.apiKey, ch, 240_000);
    clicker.stop();
    await sleep(2_000); // a late duplicate toast or callback would show now
    const chAck = ackTimes(s.emulator, ch);

    // 6. The tally over both phases, from every alert's state read again now.
    const all: Planned[] = [...tp, ...ch];
    const posted: Posted[] = [...tpPosted.results, ...chPosted.results];
    const t = tally(s.emulator, all, posted, await finalStates(bases, s.apiKey, all, 30_000));
    log(`cluster: tally ${JSON.stringify(t)}`);
    if (t.accepted !== t.alerts)
      failures.push(`${t.alerts - t.accepted} alerts never accepted (callers gave up)`);
    if (t.lost !== 0) failures.push(`${t.lost} lost: ${t.lostKeys.join(', ')}`);
    if (t.duplicated !== 0)
      failures.push(
        `${t.duplicated} duplicated (${t.duplicateToasts} toasts, ${t.duplicateActions} actions)`,
      );
    if (t.notActioned !== 0)
      failures.push(`${t.notActioned} alerts final but not actioned by their one click`);
    if (s.workers[0]!.kills !== 1 || s.ingresses[0]!.proc.kills !== 1 || temporal.starts !== 2)
      failures.push('not every kill/restart happened');
    const crashes = [...s.workers, ...s.ingresses.map((x) => x.proc)].reduce((n, p) => n + p.crashes, 0);
    if (crashes > 0) failures.push(`${crashes} unplanned process exits (see the logs in ${dir})`);

    // 7. The search attributes over SQL visibility, with the CLI.
    const query = `AlertStatus='actioned' AND AlertSource='${s.apiKeyName}'`;
    const cliArgs = ['--address', address, '--namespace', NAMESPACE, '--query', query];
    let count = -1;
    await waitUntil(
      () => {
        const r = spawnSync(cli, ['workflow', 'count', ...cliArgs, '--output', 'json'], { encoding: 'utf8' });
        count =
          r.status === 0 ? Number((JSON.parse(r.stdout) as { count?: string | number }).count ?? -1) : -1;
        return count === t.accepted;
      },
      30_000,
      1_000,
    );
    const list = spawnSync(cli, ['workflow', 'list', ...cliArgs, '--limit', '5'], { encoding: 'utf8' });
    if (list.status !== 0) failures.push(`temporal workflow list failed: ${list.stderr}`);
    if (count !== t.accepted)
      failures.push(`temporal workflow count says ${count} actioned, expected ${t.accepted}`);
    log(`cluster: temporal workflow count --query "${query}": ${count}`);

    const out = {
      alertsPerSecond: throughput.alertsPerSecond,
      ackP99Ms: callbacks.ackP99Ms,
      lost: t.lost,
      duplicated: t.duplicated,
      throughput,
      callbacks,
      chaos: {
        alerts: ch.length,
        accepted: accepted(chPosted.results),
        seconds: round(chPosted.seconds),
        callerRetries: chPosted.results.reduce((n, r) => n + r.attempts - 1, 0),
        balancerFailovers: s.balancer.failovers(),
        ackP99Ms: round(chAck.p99),
        ackMaxMs: round(chAck.max),
        clickErrors: clicker.errors(),
        events,
      },
      tally: t,
      workflowList: {
        command: `temporal workflow list --query "${query}" --limit 5`,
        count,
        output: list.stdout.trimEnd().split('\n'),
      },
      versions: {
        temporalServer: info.serverVersion,
        postgresql: pg.version,
        temporalCli: spawnSync(cli, ['--version'], { encoding: 'utf8' }).stdout.trim(),
        node: process.version,
      },
      build: {
        reusedCache: bins.buildSeconds === 0,
        buildSeconds: bins.firstBuildSeconds,
        cacheDir: bins.cacheDir,
      },
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model ?? 'unknown',
        memoryGb: Math.round(os.totalmem() / 2 ** 30),
      },
      totalSeconds: round((Date.now() - started) / 1000),
      failures,
      at: new Date().toISOString(),
    };
    const resultsDir = path.join(ROOT, 'bench', 'results');
    fs.mkdirSync(resultsDir, { recursive: true });
    fs.writeFileSync(path.join(resultsDir, 'cluster.json'), JSON.stringify(out, null, 2) + '\n');
    process.stdout.write(
      `\ncluster: ${out.alertsPerSecond} alerts/s, ack p99 ${out.ackP99Ms} ms, lost ${out.lost}, duplicated ${out.duplicated}; ` +
        `${events.length} chaos events; ${out.totalSeconds} s\nwritten: bench/results/cluster.json\n`,
    );
    passed = failures.length === 0;
  } catch (err) {
    failures.push(`crashed: ${String((err as Error)?.stack ?? err)}`);
  } finally {
    await cleanup();
  }
  for (const f of failures) process.stderr.write(`cluster FAILED: ${f}\n`);
  if (passed) {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(pgDir, { recursive: true, force: true });
  } else process.stderr.write(`cluster: logs kept in ${dir} and ${pgDir}\n`);
  process.exit(passed ? 0 : 1);
}

void main();
