import fs from 'node:fs';
import type { DevServer } from '../src/dev/temporal';

export default async function globalTeardown(): Promise<void> {
  const g = globalThis as unknown as { __TEMPORAL__?: DevServer; __TEMPORAL_DIR__?: string };
  await g.__TEMPORAL__?.stop();
  if (g.__TEMPORAL_DIR__) fs.rmSync(g.__TEMPORAL_DIR__, { recursive: true, force: true });
}
