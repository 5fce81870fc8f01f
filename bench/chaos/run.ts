/**
 * `npm run chaos`: proves that nothing is lost, nothing is duplicated and nobody gets in while things
 * break. For each scenario it starts its own Temporal dev server (persistent SQLite file in a temp dir,
 * free ports; restarted on the same port and file where the scenario needs it), an emulator, an
 * ingress and a worker child process, all on loopback.
 * Prints one table, writes bench/results/chaos.json, exits 1 if a scenario failed.
 *
 *   npm run chaos                      # the issue's numbers: 500 alerts, 1,000 callbacks
 *   npm run chaos -- --alerts 200      # smaller bursts
 *   npm run chaos -- --only callback-storm,presence-flip
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DefaultLogger, Runtime, bundleWorkflowCode } from '@temporalio/worker';
import { freePort, startDevServer } from '../../src/dev/temporal';
import type { RunEnv } from './lib';
import {
  callbackStorm,
  genesysFaults,
  presenceFlips,
  temporalRestart,
  workerKills,
  type ScenarioOptions,
  type ScenarioResult,
} from './scenarios';

const SCENARIOS = {
  'worker-sigkill': workerKills,
  'temporal-restart': temporalRestart,
  'genesys-faults': genesysFaults,
  'callback-storm': callbackStorm,
  'presence-flip': presenceFlips,
} as const;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const COLUMNS: Array<[string, string]> = [
  ['alertsSent', 'alerts sent'],
  ['toastsShown', 'toasts shown'],
  ['duplicates', 'duplicates'],
  ['lost', 'lost'],
  ['fallbacks', 'fallbacks'],
  ['callbacksApplied', 'callbacks applied'],
  ['deadLettered', 'dead-lettered'],
];

function table(results: ScenarioResult[]): string {
  const head = ['scenario', ...COLUMNS.map(([, h]) => h), 'result'];
  const rows = results.map((r) => [
    r.name,
    ...COLUMNS.map(([k]) => String(r.metrics[k] ?? '-')),
    r.pass ? 'PASS' : 'FAIL',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    '| ' + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ') + ' |';
  const sep =
    '|' + widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':')).join('|') + '|';
  return [line(head), sep, ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  const opts: ScenarioOptions = {
    alerts: Number(arg('alerts') ?? 500),
    callbacks: Number(arg('callbacks') ?? 1000),
    flipAlerts: Number(arg('flip-alerts') ?? 200),
  };
  const only = arg('only')?.split(',');
  const names = (Object.keys(SCENARIOS) as Array<keyof typeof SCENARIOS>).filter(
    (n) => !only || only.includes(n),
  );
  const started = Date.now();
  const log = (m: string) =>
    process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${m}\n`);

  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    /* installed */
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'desktop-alerts-chaos-'));
  log(`chaos: working folder ${dir}`);
  const t0 = Date.now();
  // One workflow bundle for every worker process the run starts (a respawn then takes a second, not ten).
  const bundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../src/workflows'),
    logger: new DefaultLogger('ERROR'),
  });
  const bundleFile = path.join(dir, 'workflow-bundle.js');
  fs.writeFileSync(bundleFile, bundle.code);
  // Each scenario gets a fresh server and database file, so one scenario's thousands of open alerts
  // never slow the next one down (SQLite on two cores notices).
  const startTemporal = async (name: string): Promise<RunEnv> => {
    const dbFile = path.join(dir, `${name}-temporal.sqlite`);
    const port = await freePort();
    const temporal = await startDevServer({
      dbFile,
      port,
      ui: false,
      logFile: path.join(dir, `${name}-temporal.log`),
    });
    log(`chaos: Temporal dev server at ${temporal.address} (database ${dbFile})`);
    return { dir, dbFile, temporal, port, bundleFile, runId: Date.now().toString(36), log };
  };

  const results: ScenarioResult[] = [];
  for (const name of names) {
    log(`chaos: ${name} ...`);
    const s0 = Date.now();
    let env: RunEnv | undefined;
    try {
      env = await startTemporal(name);
      results.push(await SCENARIOS[name](env, opts));
    } catch (err) {
      results.push({
        name,
        title: name,
        pass: false,
        metrics: {},
        failures: [`crashed: ${String((err as Error)?.stack ?? err)}`],
      });
    } finally {
      await env?.temporal.stop();
    }
    const r = results.at(-1)!;
    log(
      `chaos: ${name} ${r.pass ? 'PASS' : 'FAIL'} in ${((Date.now() - s0) / 1000).toFixed(1)} s ${JSON.stringify(r.metrics)}`,
    );
    for (const f of r.failures) log(`  - ${f}`);
  }

  const out = {
    scenarios: Object.fromEntries(results.map((r) => [r.name, { ...r.metrics, passed: r.pass ? 1 : 0 }])),
    machine: {
      platform: `${os.platform()} ${os.release()}`,
      arch: os.arch(),
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      memoryGb: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      options: opts,
      totalSeconds: Math.round((Date.now() - t0) / 1000),
    },
    at: new Date().toISOString(),
  };
  const resultsDir = path.join(__dirname, '..', 'results');
  fs.mkdirSync(resultsDir, { recursive: true });
  fs.writeFileSync(path.join(resultsDir, 'chaos.json'), JSON.stringify(out, null, 2) + '\n');

  process.stdout.write(`\n${table(results)}\n\n`);
  for (const r of results)
    if (!r.pass) process.stdout.write(`${r.name} FAILED:\n${r.failures.map((f) => `  - ${f}`).join('\n')}\n`);
  const passed = results.every((r) => r.pass);
  // Logs and databases are kept when something failed, for the post-mortem.
  if (passed) fs.rmSync(dir, { recursive: true, force: true });
  process.stdout.write(
    `written: bench/results/chaos.json (${out.machine.totalSeconds} s${passed ? '' : `; logs in ${dir}`})\n`,
  );
  process.exit(passed ? 0 : 1);
}

main().catch((err: unknown) => {
  process.stderr.write(`chaos run failed: ${String((err as Error)?.stack ?? err)}\n`);
  process.exit(1);
});
