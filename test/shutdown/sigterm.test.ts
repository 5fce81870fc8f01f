/**
 * Graceful shutdown of the real entry points, as child processes (node --import tsx, so the signal
 * reaches the service itself): SIGTERM in the middle of a stream of requests or work. Every request
 * answered 2xx must really have been started (alerts) or stored (callbacks), nothing is answered 5xx,
 * in-flight work completes, and the process exits 0: the ingress's drain ends on its own (its log says so), not by
 * its time-out cutting connections.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import pino from 'pino';
import { CallbackInbox } from '../../src/callbacks/inbox';
import { FAILURE_CONVERTER_PATH, dataConverterFor } from '../../src/codec';
import { startEmulator, type Emulator } from '../../src/emulator';
import { ALERTS_TASK_QUEUE, ALERT_ID_METADATA_KEY } from '../../src/shared/constants';
import { webhookHeaders } from '../../src/shared/standard-webhooks';
import { startService } from '../../src/service';
import { SIGNING_SECRET, tempDir, testConfig } from '../helpers/config';
import { emulatorCredentials, makeInput, quietRuntime, workflowBundle } from '../helpers/stack';
import { testTemporalAddress } from '../helpers/temporal';

jest.setTimeout(150_000);

const ROOT = path.resolve(__dirname, '..', '..');
const API_KEY = 'shutdown-test-key-0123456789';

interface Proc {
  child: ChildProcess;
  stdout: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

/** The processes' TEMPORAL_PAYLOAD_KEYS: this file's client and replacement worker use the same, as a deployment must. */
const PAYLOAD_KEYS = [{ id: 'sigterm', key: Buffer.alloc(32, 9) }];

function start(entry: string, env: Record<string, string>): Proc {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'info',
      TEMPORAL_LOG_LEVEL: 'ERROR',
      // Production entry points refuse to start without payload keys (src/codec/startup.ts).
      TEMPORAL_PAYLOAD_KEYS: PAYLOAD_KEYS.map((k) => `${k.id}:${k.key.toString('base64')}`).join(','),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  child.stdout!.on('data', (c: Buffer) => stdout.push(c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => stdout.push(c.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  return { child, stdout, exited };
}

async function waitForLine(p: Proc, pattern: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const m = p.stdout.join('').match(pattern);
    if (m) return m;
    if (p.child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no line matching ${pattern} (output: ${p.stdout.join('').slice(-2000)})`);
}

let connection: Connection;
let client: Client;
beforeAll(async () => {
  connection = await Connection.connect({ address: testTemporalAddress() });
  client = new Client({
    connection,
    namespace: 'default',
    dataConverter: dataConverterFor({ payloadKeys: PAYLOAD_KEYS }),
  });
});
afterAll(async () => {
  await connection?.close();
});

test('SIGTERM drains the ingress: every 2xx alert was started, every 2xx callback stored, exit 0', async () => {
  const dataDir = tempDir();
  const p = start('src/server.ts', {
    TEMPORAL_ADDRESS: testTemporalAddress(),
    PORT: '0',
    HOST: '127.0.0.1',
    INGRESS_API_KEYS: API_KEY,
    CALLBACK_SIGNING_SECRET: SIGNING_SECRET,
    PUBLIC_BASE_URL: 'https://alerts.example.com',
    ACTION_URL_ALLOWED_HOSTS: 'crm.example.com',
    DATA_DIR: dataDir,
  });
  const url = (await waitForLine(p, /"url":"(http:\/\/[^"]+)"[^\n]*ingress listening/))[1]!;
  const run = `${process.pid}-${Date.now().toString(36)}`;
  const results: Array<{ kind: 'alert' | 'callback'; key: string; status: number }> = [];
  let sigtermAt = 0;
  let n = 0;
  const one = async (): Promise<boolean> => {
    const i = n++;
    const kind = i % 2 ? 'callback' : 'alert';
    const key = `${run}-${i}`;
    let status = 0;
    try {
      if (kind === 'alert') {
        const res = await fetch(`${url}/v1/alerts`, {
          method: 'POST',
          headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            idempotencyKey: key,
            target: { userId: 'agent-1' },
            title: 'Shutdown',
            message: 'during SIGTERM',
            type: 'info',
          }),
        });
        status = res.status;
        await res.arrayBuffer();
      } else {
        // Routed to an alert that does not exist, so the relay's work stays short and the test is about the inbox.
        const body = JSON.stringify({
          notificationId: `n-${key}`,
          userId: 'agent-1',
          actionId: 'ack',
          metadata: { [ALERT_ID_METADATA_KEY]: `alert-none-${key}` },
          timestamp: new Date().toISOString(),
        });
        const res = await fetch(`${url}/webhooks/desktop-callback`, {
          method: 'POST',
          body,
          headers: {
            'content-type': 'application/json',
            ...webhookHeaders(SIGNING_SECRET, `msg-${key}`, body),
          },
        });
        status = res.status;
        await res.arrayBuffer();
      }
    } catch {
      status = 0; // refused or reset: not answered, so nothing was promised
    }
    results.push({ kind, key, status });
    if (results.length === 120 && !sigtermAt) {
      sigtermAt = Date.now();
      p.child.kill('SIGTERM');
    }
    return status !== 0;
  };
  // 16 callers keep going until the server stops answering them.
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (await one());
    }),
  );
  const exit = await p.exited;
  expect(sigtermAt).toBeGreaterThan(0);
  expect(exit.code).toBe(0);
  process.stdout.write(`ingress exit ${exit.at - sigtermAt} ms after SIGTERM (information only)\n`);
  // The drain finished on its own: every connection closed once its last answer was out, none was left for the
  // 10 s drain time-out to cut. The ingress's closing line says which (a clock here would also count how long a
  // loaded machine takes to start and stop the process).
  expect(p.stdout.join('')).toMatch(/"drain":"complete"[^\n]*"msg":"ingress closed"/);
  expect(p.stdout.join('')).not.toContain('drain time-out');

  const ok = results.filter((r) => r.status >= 200 && r.status < 300);
  expect(results.filter((r) => r.status >= 500)).toEqual([]);
  expect(results.filter((r) => r.status !== 0 && (r.status < 200 || r.status >= 300))).toEqual([]);
  expect(ok.length).toBeGreaterThanOrEqual(120);
  expect(results.some((r) => r.status === 0)).toBe(true); // it really was mid-stream

  // Every accepted alert exists in Temporal; every accepted callback is on disk.
  const alerts = ok.filter((r) => r.kind === 'alert');
  const missing: string[] = [];
  for (const a of alerts) {
    try {
      await client.workflow.getHandle(`alert-${a.key}`).describe();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) missing.push(a.key);
      else throw err;
    }
  }
  expect(missing).toEqual([]);
  const inbox = new CallbackInbox(path.join(dataDir, 'callbacks.sqlite'));
  try {
    const lost = ok.filter((r) => r.kind === 'callback' && !inbox.getByKey(`n-${r.key}:ack`));
    expect(lost).toEqual([]);
  } finally {
    inbox.close();
  }
  // Nobody polls these: end them so they never meet the worker test below.
  await Promise.all(
    alerts.map((a) =>
      client.workflow
        .getHandle(`alert-${a.key}`)
        .terminate('test cleanup')
        .catch(() => undefined),
    ),
  );
});

describe('worker', () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator({
      rateLimitPerMinute: 0,
      timeScale: 0.01,
      users: Array.from({ length: 10 }, (_, i) => ({
        id: `sd-agent-${i}`,
        name: `Agent ${i}`,
        email: `sd${i}@example.com`,
      })),
    });
  });
  afterAll(async () => {
    await emulator?.close();
  });

  test('SIGTERM lets in-flight deliveries finish: every started alert is shown once, exit 0', async () => {
    // Slow sends, so there is always work in flight when the signal comes.
    emulator.control.setFaults({ latencyMs: 300, latencyPathPrefix: '/api/v2/desktop/notifications' });
    const p = start('src/worker.ts', {
      TEMPORAL_ADDRESS: testTemporalAddress(),
      GENESYS_API_BASE: emulator.url,
      GENESYS_LOGIN_BASE: emulator.url,
      GENESYS_CLIENT_ID: 'emulator-client',
      GENESYS_CLIENT_SECRET: 'emulator-secret',
      GENESYS_RATE_LIMIT_PER_MINUTE: '60000',
    });
    await waitForLine(p, /worker running/, 60_000);
    const keys = Array.from({ length: 40 }, (_, i) => `sd-${process.pid}-${Date.now().toString(36)}-${i}`);
    await Promise.all(
      keys.map((key, i) =>
        client.workflow.start('deliverAlert', {
          taskQueue: ALERTS_TASK_QUEUE,
          workflowId: `alert-${key}`,
          args: [
            makeInput({
              idempotencyKey: key,
              target: { userId: `sd-agent-${i % 10}` },
              title: `shutdown ${key}`,
            }),
          ],
        }),
      ),
    );
    const shown = () =>
      emulator.control.listNotifications().filter((x) => x.title.startsWith('shutdown sd-')).length;
    const deadline = Date.now() + 30_000;
    while (shown() < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const sigtermAt = Date.now();
    p.child.kill('SIGTERM');
    const exit = await p.exited;
    expect(exit.code).toBe(0);
    expect(exit.at - sigtermAt).toBeLessThan(15_000);
    const atExit = shown();
    process.stdout.write(`worker exit ${exit.at - sigtermAt} ms after SIGTERM, ${atExit} shown\n`);

    // A replacement worker finishes the rest, without waiting out any abandoned activity's time-out.
    quietRuntime();
    const base = testConfig();
    const replacement = await startService(
      {
        ...base,
        genesys: {
          ...base.genesys,
          ...emulatorCredentials(emulator),
          rateLimitPerMinute: 60_000,
          rateLimitShare: 1,
          timeoutMs: 5_000,
        },
        fallback: { smtpFrom: 'x@test' },
        temporal: { ...base.temporal, payloadKeys: PAYLOAD_KEYS },
      },
      {
        logger: pino({ level: 'silent' }),
        ingress: false,
        workers: {
          workflowBundle: await workflowBundle({ failureConverterPath: FAILURE_CONVERTER_PATH }),
          genesysActivitiesPerSecond: 0,
        },
      },
    );
    try {
      const t0 = Date.now();
      // A send the old worker took but never finished is retried after its 10 s heartbeat time-out, later still on a
      // loaded machine (seen: 17 s with load 7 on 2 cores). The loop ends as soon as every toast is there; the bound
      // only stops a real loss from hanging the test. How fast the rest goes is the chaos bench's to measure.
      while (shown() < keys.length && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 100));
      const notes = emulator.control.listNotifications().filter((x) => x.title.startsWith('shutdown sd-'));
      process.stdout.write(
        `replacement done in ${Date.now() - t0} ms; created at +ms: ${notes
          .map((x) => Date.parse(x.createdAt) - t0)
          .sort((a, b) => a - b)
          .join(',')}\n`,
      );
      expect(new Set(notes.map((x) => x.title)).size).toBe(keys.length);
      expect(notes).toHaveLength(keys.length); // no second toast for anything
      expect(atExit).toBeGreaterThanOrEqual(5);
    } finally {
      await replacement.close();
    }
  });
});
