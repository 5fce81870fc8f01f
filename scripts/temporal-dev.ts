/** `npm run temporal`: the project's Temporal dev server alone, with a persistent database. */
import path from 'node:path';
import { PROJECT_ROOT, startDevServer } from '../src/dev/temporal';

async function main() {
  const port = Number(process.env.TEMPORAL_PORT ?? 7233);
  const srv = await startDevServer({
    port,
    uiPort: Number(process.env.TEMPORAL_UI_PORT ?? port + 1000),
    dbFile: path.join(PROJECT_ROOT, '.data', 'temporal.sqlite'),
    log: (m) => console.log(m),
  });
  console.log(`Temporal dev server at ${srv.address}, Web UI at ${srv.uiUrl}`);
  const stop = () => void srv.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
main().catch((err) => {
  console.error(String(err instanceof Error ? err.message : err));
  process.exit(1);
});
