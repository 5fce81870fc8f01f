/**
 * `npx tsx bench/drain.ts [--rows=100000] [--rate=200] [--apply-ms=0] [--max-s=300]`: the callback relay draining
 * a backlog, as after a long Temporal outage, while new callbacks keep arriving.
 *
 * The ingress's side only, as deployed in its own process (forked, this file with --child): the real SQLite
 * inbox (a file), the real relay and the real callback route; the AlertsClient is a stand-in that answers every
 * update after `--apply-ms` (0: the next turn of the event loop), so the figures are the relay's own cost, not
 * Temporal's. This process seeds `--rows` received callbacks (distinct alerts, one group commit), then starts
 * the relay and, until the seeded backlog is applied, posts signed callbacks open loop at `--rate`/s.
 *
 * Prints and writes bench/results/drain.json: `drain_s` (relay start -> last seeded callback applied),
 * `drained_per_s`, `ack_p50_ms` / `ack_p99_ms` / `ack_max_ms` of the callbacks posted during the drain, the
 * ingress's event-loop delay p99, and `applied_exactly_once`. `--max-s` stops a drain that would take longer
 * (the figures then say how far it got).
 */
import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { Registry } from 'prom-client';
import { Pool } from 'undici';
import { createApp } from '../src/api/app';
import { CallbackInbox } from '../src/callbacks/inbox';
import { CallbackRelay } from '../src/callbacks/relay';
import type { AlertsClient } from '../src/alerts';
import { loadConfig } from '../src/config';
import { ALERT_ID_METADATA_KEY, CALLBACK_PATH } from '../src/shared/constants';
import type { AgentAction } from '../src/shared/messages';
import { webhookHeaders } from '../src/shared/standard-webhooks';
import { percentile, sleep } from './perf/lib';

const arg = (name: string, dflt: number): number => {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.slice(name.length + 3)) : dflt;
};
const ROWS = arg('rows', 100_000);
const RATE = arg('rate', 200);
const APPLY_MS = arg('apply-ms', 0);
const MAX_S = arg('max-s', 300);
const SEED_PREFIX = 'seed-';

const log = (msg: string) =>
  process.stderr.write(`[drain ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
const round = (n: number, d = 1) => (Number.isFinite(n) ? Math.round(n * 10 ** d) / 10 ** d : n);

const callback = (id: string) => ({
  notificationId: `notif-${id}`,
  userId: 'agent-1',
  actionId: 'ack',
  metadata: { [ALERT_ID_METADATA_KEY]: `alert-${id}` },
  timestamp: new Date().toISOString(),
});

type ToChild = { type: 'go' } | { type: 'stats' } | { type: 'close' };
type FromChild =
  | { type: 'ready'; url: string; seedMs: number }
  | { type: 'progress'; seededApplied: number; applied: number; calls: number }
  | { type: 'drained'; ms: number }
  | { type: 'stats'; loopP99: number; loopMax: number; applied: number; calls: number; received: number };

// -------------------------------------------------------------------------------------------------------------
// The ingress process
// -------------------------------------------------------------------------------------------------------------

async function child(secret: string, file: string): Promise<void> {
  const send = (m: FromChild) => process.send?.(m);
  const config = loadConfig({
    INGRESS_API_KEYS: 'bench-key-0123456789',
    CALLBACK_SIGNING_SECRET: secret,
    PUBLIC_BASE_URL: 'http://127.0.0.1',
    ACTION_URL_ALLOWED_HOSTS: 'crm.example.com',
    DATA_DIR: path.dirname(file),
  });
  const logger = pino({ level: 'silent' });
  const inbox = new CallbackInbox(file);
  const t0 = performance.now();
  // One group commit for the whole backlog (insertDurably of one turn share a transaction).
  await Promise.all(
    Array.from({ length: ROWS }, (_, i) => inbox.insertDurably(callback(`${SEED_PREFIX}${i}`))),
  );
  const seedMs = performance.now() - t0;

  let seededApplied = 0;
  let applied = 0;
  let calls = 0;
  let started = 0;
  let drainedReported = false;
  const seen = new Set<string>();
  // Temporal as the relay sees it: every update accepted once, by update id; answered after APPLY_MS.
  const alerts = {
    async applyAction(_alertId: string, action: AgentAction, updateId: string) {
      calls++;
      await (APPLY_MS > 0 ? sleep(APPLY_MS) : new Promise((r) => setImmediate(r)));
      if (seen.has(updateId)) return { outcome: 'duplicate' as const };
      seen.add(updateId);
      applied++;
      if (
        action.notificationId.startsWith(`notif-${SEED_PREFIX}`) &&
        ++seededApplied === ROWS &&
        !drainedReported
      ) {
        drainedReported = true;
        send({ type: 'drained', ms: performance.now() - started });
      }
      return { outcome: 'applied' as const };
    },
    async getAlert() {
      return null;
    },
  };
  const relay = new CallbackRelay({ inbox, alerts, logger });
  const app = createApp({
    config,
    alerts: {} as AlertsClient,
    inbox,
    logger,
    registry: new Registry(),
    isReady: async () => true,
  });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const loop = monitorEventLoopDelay({ resolution: 5 });
  let progress: NodeJS.Timeout | undefined;

  process.on('message', (m: ToChild) => {
    if (m.type === 'go') {
      loop.enable();
      started = performance.now();
      relay.start();
      progress = setInterval(() => send({ type: 'progress', seededApplied, applied, calls }), 1_000);
    } else if (m.type === 'stats') {
      send({
        type: 'stats',
        loopP99: loop.percentile(99) / 1e6,
        loopMax: loop.max / 1e6,
        applied,
        calls,
        received: inbox.counts().received,
      });
    } else if (m.type === 'close') {
      clearInterval(progress);
      void relay.close().then(() => {
        server.close();
        inbox.close();
        process.exit(0);
      });
    }
  });
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seedMs });
}

// -------------------------------------------------------------------------------------------------------------
// The load generator
// -------------------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'desktop-alerts-drain-'));
  const secret = `whsec_${randomBytes(24).toString('base64')}`;
  const proc = fork(
    __filename,
    ['--child', secret, path.join(dir, 'callbacks.sqlite'), ...process.argv.slice(2)],
    {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  const messages: FromChild[] = [];
  const waiters: Array<() => void> = [];
  proc.on('message', (m: FromChild) => {
    messages.push(m);
    for (const w of waiters.splice(0)) w();
  });
  const next = async <T extends FromChild['type']>(
    type: T,
    timeoutMs: number,
  ): Promise<Extract<FromChild, { type: T }>> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = messages.findIndex((m) => m.type === type);
      if (i >= 0) return messages.splice(i, 1)[0] as Extract<FromChild, { type: T }>;
      if (Date.now() > deadline) throw new Error(`no '${type}' from the ingress within ${timeoutMs} ms`);
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 250);
      });
    }
  };
  try {
    log(`seeding ${ROWS} received callbacks (distinct alerts) in ${dir}`);
    const ready = await next('ready', 600_000);
    log(
      `seeded in ${round(ready.seedMs / 1000, 2)} s; relay starts, callbacks arrive at ${RATE}/s (updates answered ${APPLY_MS ? `after ${APPLY_MS} ms` : 'on the next turn'})`,
    );

    const pool = new Pool(ready.url, { connections: 64, pipelining: 1 });
    const acks: number[] = [];
    const statuses = new Map<number, number>();
    const inFlight = new Set<Promise<void>>();
    let drainedMs: number | undefined;
    let lastProgress: Extract<FromChild, { type: 'progress' }> | undefined;
    proc.send({ type: 'go' } satisfies ToChild);
    const t0 = performance.now();
    for (let i = 0; ; i++) {
      const d = messages.find((m) => m.type === 'drained');
      if (d && d.type === 'drained') drainedMs = d.ms;
      for (const m of messages.splice(0).filter((x) => x.type === 'progress'))
        lastProgress = m as typeof lastProgress;
      if (drainedMs !== undefined || performance.now() - t0 > MAX_S * 1000) break;
      if (lastProgress && i % RATE === 0)
        log(
          `  ${lastProgress.seededApplied} of ${ROWS} applied after ${round((performance.now() - t0) / 1000)} s`,
        );
      const wait = t0 + (i * 1000) / RATE - performance.now();
      if (wait > 0) await sleep(wait);
      const body = JSON.stringify(callback(`live-${i}`));
      const p = (async () => {
        const start = performance.now();
        const res = await pool.request({
          method: 'POST',
          path: CALLBACK_PATH,
          headers: { 'content-type': 'application/json', ...webhookHeaders(secret, `msg_live_${i}`, body) },
          body,
        });
        await res.body.text();
        acks.push(performance.now() - start);
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      })();
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    }
    await Promise.all(inFlight);
    await pool.close();
    const wall = (performance.now() - t0) / 1000;
    // The callbacks posted during the drain are applied too (they queued behind the backlog).
    let stats = await (proc.send({ type: 'stats' } satisfies ToChild), next('stats', 10_000));
    if (drainedMs !== undefined) {
      for (let t = Date.now(); stats.received > 0 && Date.now() - t < 60_000; await sleep(200)) {
        proc.send({ type: 'stats' } satisfies ToChild);
        stats = await next('stats', 10_000);
      }
    }
    const accepted = statuses.get(202) ?? 0;
    const seededApplied = drainedMs !== undefined ? ROWS : (lastProgress?.seededApplied ?? 0);
    const out = {
      rows: ROWS,
      rate_per_s: RATE,
      apply_ms: APPLY_MS,
      drained: drainedMs !== undefined ? 1 : 0,
      drain_s: round((drainedMs ?? wall * 1000) / 1000, 2),
      seeded_applied: seededApplied,
      drained_per_s: round(seededApplied / ((drainedMs ?? wall * 1000) / 1000), 0),
      acks: acks.length,
      ack_non_2xx: acks.length - accepted - (statuses.get(200) ?? 0),
      ack_p50_ms: round(percentile(acks, 50), 2),
      ack_p99_ms: round(percentile(acks, 99), 2),
      ack_max_ms: round(Math.max(...acks), 2),
      ingress_loop_delay_p99_ms: round(stats.loopP99, 2),
      ingress_loop_delay_max_ms: round(stats.loopMax, 2),
      // Every update called once (no retries here) and every accepted callback applied.
      applied_exactly_once:
        drainedMs !== undefined &&
        stats.received === 0 &&
        stats.calls === stats.applied &&
        stats.applied === ROWS + accepted
          ? 1
          : 0,
    };
    const machine = { cpus: os.cpus().length, node: process.version, loadavg_1m: round(os.loadavg()[0]!, 2) };
    const resultsDir = path.join(__dirname, 'results');
    fs.mkdirSync(resultsDir, { recursive: true });
    fs.writeFileSync(
      path.join(resultsDir, 'drain.json'),
      `${JSON.stringify({ drain: out, machine, at: new Date().toISOString() }, null, 2)}\n`,
    );
    process.stdout.write(
      `${Object.entries(out)
        .map(([k, v]) => `${k.padEnd(28)} ${v}`)
        .join('\n')}\nmachine: ${JSON.stringify(machine)}\nWrote bench/results/drain.json\n`,
    );
    if (!out.drained) process.exitCode = 1;
  } finally {
    proc.send({ type: 'close' } satisfies ToChild);
    await new Promise((r) => proc.once('exit', r));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') {
  void child(process.argv[3]!, process.argv[4]!).catch((err: unknown) => {
    process.stderr.write(`drain ingress failed: ${String((err as Error)?.stack ?? err)}\n`);
    process.exit(1);
  });
} else {
  main().catch((err: unknown) => {
    process.stderr.write(`${String((err as Error)?.stack ?? err)}\n`);
    process.exit(1);
  });
}
