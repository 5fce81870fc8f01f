/**
 * Mutual TLS, end to end: a real Temporal server whose frontend requires a client certificate signed by a CA this
 * test makes (openssl), and the service's own connections configured only through Temporal's environment
 * configuration (TEMPORAL_TLS_* variables, or a temporal.toml profile): the workers' NativeConnection, the ingress's
 * Client and the CLI's `list`. Without the client certificate the server refuses the handshake.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { loadConfig } from '../../src/config';
import { createTemporalConnection } from '../../src/service';
import { ALERT_WORKFLOW_TYPE } from '../../src/shared/constants';
import { temporalConnectError, temporalConnectOptions } from '../../src/temporal-connection';
import { cli } from '../cli/helpers';
import { makeTestPki, type TestPki } from '../helpers/tls-certs';
import { startTlsTemporalServer, type TlsTemporalServer } from '../helpers/tls-temporal-server';

let pki: TestPki;
let server: TlsTemporalServer;

// The first run on a machine builds the server binary (bench/cluster/build.ts): minutes. Later runs start in seconds.
beforeAll(async () => {
  pki = makeTestPki();
  server = await startTlsTemporalServer(pki);
}, 20 * 60_000);
afterAll(async () => {
  await server?.stop();
  pki?.remove();
});

/** The server's address and CA; the client certificate only where a test adds it. */
const tlsEnv = (extra: Record<string, string> = {}): Record<string, string> => ({
  TEMPORAL_ADDRESS: server.address,
  TEMPORAL_NAMESPACE: server.namespace,
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: pki.caCert,
  ...extra,
});
const withClientCert = () =>
  tlsEnv({ TEMPORAL_TLS_CLIENT_CERT_PATH: pki.clientCert, TEMPORAL_TLS_CLIENT_KEY_PATH: pki.clientKey });

/** A temporal.toml with an `mtls` profile (the certificate pair and CA), and the variables that select it. */
function profileEnv(): Record<string, string> {
  const file = path.join(pki.dir, 'temporal.toml');
  fs.writeFileSync(
    file,
    [
      '[profile.mtls]',
      `address = "${server.address}"`,
      `namespace = "${server.namespace}"`,
      '[profile.mtls.tls]',
      `client_cert_path = "${pki.clientCert}"`,
      `client_key_path = "${pki.clientKey}"`,
      `server_ca_cert_path = "${pki.caCert}"`,
    ].join('\n'),
  );
  return { TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'mtls' };
}

test("the workers' NativeConnection, from TEMPORAL_TLS_*, calls a namespace RPC", async () => {
  const config = loadConfig(withClientCert());
  const connection = await NativeConnection.connect(temporalConnectOptions(config.temporal));
  try {
    const ns = await connection.workflowService.describeNamespace({ namespace: config.temporal.namespace });
    expect(ns.namespaceInfo?.name).toBe(server.namespace);
  } finally {
    await connection.close();
  }
});

test("the ingress's Client, from a temporal.toml profile, starts and describes a run; the CLI lists it", async () => {
  const config = loadConfig(profileEnv());
  expect(config.temporal.address).toBe(server.address);
  const connection = createTemporalConnection(config.temporal);
  try {
    const client = new Client({ connection, namespace: config.temporal.namespace });
    // No worker polls this queue: the run stays RUNNING until the test terminates it.
    const handle = await client.workflow.start(ALERT_WORKFLOW_TYPE, {
      taskQueue: `mtls-${process.pid}`,
      workflowId: `mtls-${process.pid}-${Date.now()}`,
    });
    try {
      const described = await handle.describe();
      expect([described.type, described.status.name]).toEqual([ALERT_WORKFLOW_TYPE, 'RUNNING']);
      // `list` reaches the same server through the same profile (visibility may lag: retry a few times).
      let listed = '';
      for (let i = 0; i < 20 && !listed.includes(handle.workflowId); i++) {
        const r = await cli(['list', '--json'], profileEnv());
        expect([r.code, r.stderr]).toEqual([0, '']);
        listed = r.stdout;
        if (!listed.includes(handle.workflowId)) await new Promise((r) => setTimeout(r, 500));
      }
      expect(listed).toContain(handle.workflowId);
    } finally {
      await handle.terminate('test done');
    }
  } finally {
    await connection.close();
  }
});

test('without the client certificate the handshake fails and the error says why; the CLI says it cannot reach it', async () => {
  const config = loadConfig(tlsEnv());
  expect(config.temporal.tls).toMatchObject({ clientCertPair: undefined });
  // As startService reports it. The Rust core sees the server's CertificateRequired alert or, when TLS 1.3 has
  // already sent the first call, just a closed connection: the message names the TLS settings either way.
  const err = await NativeConnection.connect(temporalConnectOptions(config.temporal)).then(
    () => new Error('connected without a client certificate'),
    (e: unknown) => temporalConnectError(config.temporal, e),
  );
  expect(err.message).toMatch(
    new RegExp(
      `^cannot connect to Temporal at ${server.address}: .*(CertificateRequired|connection closed|broken pipe).*\\. TLS is on \\(TEMPORAL_TLS_\\* or the profile\\): check`,
    ),
  );
  const r = await cli(['list', '--timeout', '3s'], tlsEnv());
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(new RegExp(`^error: cannot reach Temporal at ${server.address}`));
  // A handshake the client cannot finish looks like a server that is not there: the hint names the TLS settings.
  expect(r.stderr).toContain('TLS is on (TEMPORAL_TLS_* or the profile)');
});
