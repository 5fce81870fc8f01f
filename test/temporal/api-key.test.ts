/**
 * TEMPORAL_API_KEY, end to end: the service's connections (the ingress's Client, the workers' NativeConnection, the
 * CLI's `list`) reach the test Temporal dev server through a gate that wants `authorization: Bearer <key>` over TLS,
 * as Temporal Cloud does with API keys (test/helpers/api-key-proxy.ts); a real Cloud namespace is not used here.
 */
import { Client } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { loadConfig } from '../../src/config';
import { createTemporalConnection } from '../../src/service';
import { temporalConnectError, temporalConnectOptions } from '../../src/temporal-connection';
import { cli } from '../cli/helpers';
import { startApiKeyProxy, type ApiKeyProxy } from '../helpers/api-key-proxy';
import { testTemporalAddress, uniqueQueue } from '../helpers/temporal';
import { makeTestPki, type TestPki } from '../helpers/tls-certs';

const KEY = 'test-temporal-api-key-0123456789abcdef';
let pki: TestPki;
let proxy: ApiKeyProxy;

beforeAll(async () => {
  pki = makeTestPki();
  proxy = await startApiKeyProxy(testTemporalAddress(), KEY, pki);
});
afterAll(async () => {
  await proxy?.close();
  pki?.remove();
});
beforeEach(() => proxy.seen.splice(0));

/** Through the gate, with the test CA trusted (Temporal Cloud's certificates verify against the system roots). */
const gateEnv = (extra: Record<string, string> = {}): Record<string, string> => ({
  TEMPORAL_ADDRESS: proxy.address,
  TEMPORAL_NAMESPACE: process.env.TEMPORAL_TEST_NAMESPACE ?? 'default',
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: pki.caCert,
  ...extra,
});

test("the ingress's Client with TEMPORAL_API_KEY starts and describes a run; every call carried the key", async () => {
  const config = loadConfig(gateEnv({ TEMPORAL_API_KEY: KEY }));
  const connection = createTemporalConnection(config.temporal);
  try {
    const client = new Client({ connection, namespace: config.temporal.namespace });
    // No worker polls this queue: the run stays RUNNING until the test terminates it.
    const handle = await client.workflow.start('apiKeyProbe', {
      taskQueue: uniqueQueue('api-key'),
      workflowId: uniqueQueue('api-key-probe'),
    });
    expect((await handle.describe()).status.name).toBe('RUNNING');
    await handle.terminate('test done');
  } finally {
    await connection.close();
  }
  expect(proxy.seen.length).toBeGreaterThanOrEqual(3);
  expect(new Set(proxy.seen)).toEqual(new Set([`Bearer ${KEY}`]));
});

test("the workers' NativeConnection and the CLI's list carry the key too", async () => {
  const config = loadConfig(gateEnv({ TEMPORAL_API_KEY: KEY }));
  const connection = await NativeConnection.connect(temporalConnectOptions(config.temporal));
  try {
    const ns = await connection.workflowService.describeNamespace({ namespace: config.temporal.namespace });
    expect(ns.namespaceInfo?.name).toBe(config.temporal.namespace);
  } finally {
    await connection.close();
  }
  const r = await cli(['list', '--limit', '1', '--json'], gateEnv({ TEMPORAL_API_KEY: KEY }));
  expect([r.code, r.stderr]).toEqual([0, '']);
  expect(new Set(proxy.seen)).toEqual(new Set([`Bearer ${KEY}`]));
});

test('without the key, or with another, the gate answers UNAUTHENTICATED and the connection says so', async () => {
  const cases = [
    { env: gateEnv(), hint: 'the server wants credentials: an API key (TEMPORAL_API_KEY)' },
    {
      env: gateEnv({ TEMPORAL_API_KEY: 'not-the-key' }),
      hint: 'the server refused the API key (TEMPORAL_API_KEY',
    },
  ];
  for (const { env, hint } of cases) {
    const config = loadConfig(env);
    // As startService reports a workers' connection that fails.
    const err = await NativeConnection.connect(temporalConnectOptions(config.temporal)).then(
      () => new Error('connected without the key'),
      (e: unknown) => temporalConnectError(config.temporal, e),
    );
    expect(err.message).toMatch(
      new RegExp(`^cannot connect to Temporal at ${proxy.address}: .*invalid API key`),
    );
    expect(err.message).toContain(hint);
    expect(err.message).not.toContain('not-the-key');
    const r = await cli(['list', '--timeout', '3s'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/invalid API key/);
    expect(r.stderr).toContain(hint);
    expect(r.stderr).not.toContain('not-the-key');
  }
  expect(proxy.seen).toContain(undefined);
  expect(proxy.seen).toContain('Bearer not-the-key');
  expect(proxy.seen).not.toContain(`Bearer ${KEY}`);
});
