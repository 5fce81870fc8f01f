/**
 * A real Temporal server whose frontend requires mutual TLS: the temporal-server binary the cluster benchmark builds
 * (bench/cluster/build.ts; cached, built once when missing), on in-memory SQLite with free ports. The dev server
 * (`temporal server start-dev`) has no TLS options, hence the full server. Its own worker service presents the
 * server certificate as a client; internode traffic stays plaintext on loopback.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { stringify } from 'yaml';
import { ensureTemporalBinaries } from '../../bench/cluster/build';
import { freeMembershipPort } from '../../bench/cluster/temporal-server';
import { freePort } from '../../src/dev/temporal';
import type { TestPki } from './tls-certs';

export interface TlsTemporalServer {
  /** `localhost:<port>`: the name the server certificate holds. */
  address: string;
  namespace: string;
  logFile: string;
  stop(): Promise<void>;
}

const sqlite = {
  sql: {
    pluginName: 'sqlite',
    databaseName: 'default',
    connectAddr: 'localhost',
    connectProtocol: 'tcp',
    connectAttributes: { mode: 'memory', cache: 'private' },
    maxConns: 1,
    maxIdleConns: 1,
    maxConnLifetime: '1h',
  },
};

async function serverConfig(pki: TestPki): Promise<{ yaml: string; port: number }> {
  const rpc = async (http = false) => ({
    grpcPort: await freePort(),
    // The server records membership ports in a smallint column: below 32768.
    membershipPort: await freeMembershipPort(),
    bindOnLocalHost: true,
    ...(http ? { httpPort: await freePort() } : {}),
  });
  const services = {
    frontend: { rpc: await rpc(true) },
    matching: { rpc: await rpc() },
    history: { rpc: await rpc() },
    worker: { rpc: await rpc() },
  };
  const port = services.frontend.rpc.grpcPort;
  const trust = { serverName: 'localhost', rootCaFiles: [pki.caCert] };
  const cfg = {
    log: { stdout: true, level: 'warn' },
    persistence: {
      defaultStore: 'sqlite-default',
      visibilityStore: 'sqlite-visibility',
      numHistoryShards: 1,
      datastores: { 'sqlite-default': sqlite, 'sqlite-visibility': sqlite },
    },
    global: {
      membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' },
      tls: {
        frontend: {
          server: {
            certFile: pki.serverCert,
            keyFile: pki.serverKey,
            requireClientAuth: true,
            clientCaFiles: [pki.caCert],
          },
          client: trust,
        },
        systemWorker: { certFile: pki.serverCert, keyFile: pki.serverKey, client: trust },
      },
    },
    services,
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: {
          enabled: true,
          initialFailoverVersion: 1,
          rpcName: 'frontend',
          rpcAddress: `localhost:${port}`,
          httpAddress: `localhost:${services.frontend.rpc.httpPort}`,
        },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
  };
  return { yaml: stringify(cfg), port };
}

/** Start it, wait until its frontend answers over mTLS, and register the namespace `default`. */
export async function startTlsTemporalServer(pki: TestPki): Promise<TlsTemporalServer> {
  const bins = ensureTemporalBinaries(() => {});
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'desktop-alerts-tls-temporal-'));
  const { yaml, port } = await serverConfig(pki);
  const configFile = path.join(dir, 'temporal-server.yaml');
  fs.writeFileSync(configFile, yaml);
  const logFile = path.join(dir, 'temporal-server.log');
  const out = fs.openSync(logFile, 'a');
  const child = spawn(bins.server, ['--config-file', configFile, '--allow-no-auth', 'start'], {
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const address = `localhost:${port}`;
  const namespace = 'default';
  try {
    await registerNamespace(address, namespace, pki, () => child.exitCode !== null);
  } catch (err) {
    const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').slice(-2000) : '';
    await stop();
    throw new Error(`the TLS Temporal server did not start: ${String(err)}\n${log}`);
  }
  return { address, namespace, logFile, stop };
}

/** Over mTLS with the test PKI directly (not through the code under test): register, then wait until it serves. */
async function registerNamespace(
  address: string,
  namespace: string,
  pki: TestPki,
  exited: () => boolean,
): Promise<void> {
  const tls = {
    serverRootCACertificate: fs.readFileSync(pki.caCert),
    clientCertPair: { crt: fs.readFileSync(pki.clientCert), key: fs.readFileSync(pki.clientKey) },
  };
  const deadline = Date.now() + 90_000;
  let registered = false;
  let lastErr: unknown;
  while (Date.now() < deadline) {
    if (exited()) throw new Error('temporal-server exited');
    try {
      const conn = await Connection.connect({ address, tls, connectTimeout: 2_000 });
      try {
        if (!registered) {
          await conn.workflowService
            .registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') })
            .catch((err: unknown) => {
              if (!/already exists/i.test(String(err))) throw err;
            });
          registered = true;
        }
        // The frontend's namespace cache refreshes every few seconds: usable once a namespace call succeeds.
        await conn.workflowService.countWorkflowExecutions({ namespace, query: '' });
        return;
      } finally {
        await conn.close();
      }
    } catch (err) {
      lastErr = err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  throw new Error(`not ready after 90 s: ${String(lastErr)}`);
}
