import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDevServer, type DevServer } from '../src/dev/temporal';

/** One real Temporal dev server (SQLite in a temp folder, free ports) shared by every test file. */
export default async function globalSetup(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'desktop-alerts-test-'));
  const server = await startDevServer({
    dbFile: path.join(dir, 'temporal.sqlite'),
    ui: false,
    logFile: path.join(dir, 'temporal.log'),
  });
  (globalThis as unknown as { __TEMPORAL__: DevServer; __TEMPORAL_DIR__: string }).__TEMPORAL__ = server;
  (globalThis as unknown as { __TEMPORAL_DIR__: string }).__TEMPORAL_DIR__ = dir;
  process.env.TEMPORAL_TEST_ADDRESS = server.address;
  process.env.TEMPORAL_TEST_NAMESPACE = server.namespace;
}
