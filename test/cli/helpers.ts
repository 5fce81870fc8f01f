/** The CLI run in-process with its output captured, and the stack it runs against. */
import { parseApiKeys } from '../../src/config';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import pino from 'pino';
import { run } from '../../src/cli';
import type { Out } from '../../src/cli/progress';
import { startService, type Ingress } from '../../src/service';
import { testConfig } from '../helpers/config';
import { startStack, TEST_SIGNING_SECRET, type Stack } from '../helpers/stack';

const API_KEY = 'cli-test-key-0123456789abcdef';
export const AGENT = {
  id: '11111111-1111-4111-8111-111111111111',
  name: 'Jordan Smith',
  email: 'jordan.smith@example.com',
  presence: 'Available',
  routingStatus: 'IDLE',
};

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** An output stream that keeps what is written to it. */
type FakeOut = Out & { text: string };

export const fakeOut = (isTTY = false): FakeOut => ({
  text: '',
  isTTY,
  columns: 100,
  write(s: string) {
    this.text += s;
    return true;
  },
});

/** Run the CLI in-process, as `desktop-alerts ...argv` with only `env` set. */
export async function cli(
  argv: string[],
  env: Record<string, string | undefined> = {},
  opts: { stdin?: string; ttyStderr?: boolean } = {},
): Promise<CliResult> {
  const stdout = fakeOut();
  const stderr = fakeOut(opts.ttyStderr);
  const code = await run(argv, {
    stdout,
    stderr,
    env,
    stdin: opts.stdin !== undefined ? Readable.from([opts.stdin]) : Readable.from([]),
  });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

export const tempDir = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'desktop-alerts-cli-'));

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export interface CliStack {
  stack: Stack;
  ingress: Ingress;
  /** Env pointing the CLI at this ingress and the test Temporal server. */
  env: Record<string, string>;
  close(): Promise<void>;
}

/** The name of the CLI's API key: the source of every alert the CLI tests send. */
export const CLI_KEY_NAME = 'cli-suite';

/** Emulator + real workers (unique task queue) + the real ingress on port 0, all against the shared dev server. */
export async function startCliStack(): Promise<CliStack> {
  const stack = await startStack({ emulator: { users: [AGENT] } });
  const dataDir = tempDir();
  const config = testConfig({
    dataDir,
    // Callbacks are posted by the tests themselves; the emulator's deliveries go nowhere.
    ingress: {
      publicBaseUrl: 'http://127.0.0.1:9',
      // A named key: the CLI's alerts carry its name as their source (AlertSource).
      apiKeys: parseApiKeys([`${CLI_KEY_NAME}:admin:${API_KEY}`]),
      callbackSigningSecret: TEST_SIGNING_SECRET,
    },
    fallback: { webhookUrl: undefined },
  });
  // The ingress of the CLI's API: startService without workers, on the stack's task queue and Temporal client.
  const service = await startService(config, {
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    client: stack.client,
    taskQueue: stack.taskQueue,
    workers: false,
    ingress: {
      alertsClientOptions: { rpcTimeoutMs: 3_000 },
      relay: { initialBackoffMs: 100, maxBackoffMs: 500, pollIntervalMs: 200 },
      drainTimeoutMs: 1_000,
    },
  });
  const ingress = service.ingress!;
  return {
    stack,
    ingress,
    env: {
      DESKTOP_ALERTS_URL: ingress.url,
      DESKTOP_ALERTS_API_KEY: API_KEY,
      TEMPORAL_ADDRESS: process.env.TEMPORAL_TEST_ADDRESS!,
      TEMPORAL_NAMESPACE: process.env.TEMPORAL_TEST_NAMESPACE ?? 'default',
    },
    async close() {
      await service.close();
      await stack.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

let seq = 0;
export const uniqueKey = (prefix = 'cli'): string =>
  `${prefix}-${process.pid}-${Date.now().toString(36)}-${(seq++).toString(36)}`;

export { eventually } from '../helpers/eventually';
