import { run } from './run';

export { run, type CliIo } from './run';

/** Entry point: `npx desktop-alerts`, `npm run cli --`, or `node dist/cli/index.js`. */
export async function main(argv = process.argv.slice(2)): Promise<void> {
  process.exitCode = await run(argv, {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    stdin: process.stdin,
  });
}

if (require.main === module) void main();
