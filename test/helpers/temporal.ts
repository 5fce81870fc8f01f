import fs from 'node:fs';
import net from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { ensureSearchAttributes, freePort } from '../../src/dev/temporal';
import { msToTs } from '@temporalio/common/lib/time';

/** The shared dev server started by test/global-setup.ts. */
export function testTemporalAddress(): string {
  const a = process.env.TEMPORAL_TEST_ADDRESS;
  if (!a)
    throw new Error('TEMPORAL_TEST_ADDRESS unset: run tests through jest (global-setup starts the server)');
  return a;
}

export async function connectTestClient(): Promise<{
  client: Client;
  connection: Connection;
  close: () => Promise<void>;
}> {
  const connection = await Connection.connect({ address: testTemporalAddress() });
  const client = new Client({ connection, namespace: process.env.TEMPORAL_TEST_NAMESPACE ?? 'default' });
  return { client, connection, close: () => connection.close() };
}

/** A task queue name unique to one test, so parallel test files never steal each other's tasks. */
export const uniqueQueue = (prefix: string): string =>
  `${prefix}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

/**
 * A namespace of its own on the shared dev server, with the project's search attributes: for a test whose traffic
 * must not meet other files' (a fuzzer picks idempotency keys such as "0", and an alert's id comes from its key, so
 * in the shared namespace it took keys other files use and made their starts duplicates of its encrypted runs).
 */
export async function isolatedNamespace(prefix: string): Promise<string> {
  const namespace = `${prefix}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const address = testTemporalAddress();
  const connection = await Connection.connect({ address });
  try {
    await connection.workflowService.registerNamespace({
      namespace,
      workflowExecutionRetentionPeriod: msToTs('1 day'),
    });
    // The frontend's namespace cache refreshes every few seconds: the namespace, then its search attributes, are
    // usable once a query that names one of them is answered.
    const deadline = Date.now() + 30_000;
    for (let added = false; ;) {
      try {
        if (!added) added = (await ensureSearchAttributes(address, namespace), true);
        await connection.workflowService.countWorkflowExecutions({
          namespace,
          query: `AlertStatus = 'probe'`,
        });
        return namespace;
      } catch (err) {
        if (Date.now() > deadline)
          throw new Error(`namespace ${namespace} not usable after 30 s: ${String(err)}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  } finally {
    await connection.close();
  }
}

/**
 * A free loopback port below the kernel's ephemeral range, for a server that must come back on the same port after
 * being down (test/api/outage.test.ts). While it is down, a port from the ephemeral range can be handed to anyone:
 * every listen(0) on the machine (freePort, each test's servers on port 0, another jest worker's) is given one, and
 * so is every outgoing connection; a listener given it keeps the server off the port (the restart exits 1). Below
 * the range only an explicit bind to that number can take it, and nothing here binds one there (no test binds a
 * fixed port; the compose file's are all under 10,000). Off Linux (no /proc range to read), a freePort() as before.
 */
export async function portBelowEphemeralRange(): Promise<number> {
  let low: number;
  try {
    low = Number(fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  } catch {
    return freePort();
  }
  // 8,192 ports just under the range (24576-32767 with Linux's default 32768-60999), clear of the well-known ones.
  const from = Math.max(10_000, low - 8_192);
  if (!(low > from)) return freePort();
  for (let i = 0; i < 50; i++) {
    const port = from + Math.floor(Math.random() * (low - from));
    const free = await new Promise<boolean>((resolve) => {
      const srv = net.createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error(`no free port in ${from}-${low - 1}`);
}
