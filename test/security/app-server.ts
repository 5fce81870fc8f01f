/**
 * The ingress app alone (createApp) on a loopback port 0, with an in-memory callback inbox and a lazy Temporal
 * connection to a closed port: for what is answered before anything reaches Temporal (validation, /readyz,
 * /metrics). A request that does reach Temporal would get a 503.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { Client } from '@temporalio/client';
import { AlertsClient } from '../../src/alerts';
import { createApp, type AppDeps } from '../../src/api/app';
import { CallbackInbox } from '../../src/callbacks/inbox';
import type { Config } from '../../src/config';
import { createTemporalConnection } from '../../src/service';
import { silentLogger } from '../api/helpers';

export interface AppServer {
  url: string;
  registry: Registry;
  close(): Promise<void>;
}

export async function startAppServer(
  config: Config,
  over: Partial<Pick<AppDeps, 'isReady' | 'insecureDevMode' | 'readinessNow'>> = {},
): Promise<AppServer> {
  const inbox = new CallbackInbox(':memory:');
  const registry = new Registry();
  // Port 1 on loopback: nothing listens there, and a lazy connection does not try before it is used.
  const connection = createTemporalConnection({ address: '127.0.0.1:1' });
  const alerts = new AlertsClient(new Client({ connection }), config);
  const app = createApp({
    config,
    alerts,
    inbox,
    logger: silentLogger,
    registry,
    isReady: over.isReady ?? (async () => true),
    insecureDevMode: over.insecureDevMode,
    readinessNow: over.readinessNow,
  });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    registry,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      inbox.close();
      await connection.close();
    },
  };
}
