/**
 * The CLI's entry (`npx desktop-alerts`, `npm run cli --`, `node dist/cli/index.js`): the program built
 * from the commands in ./commands, run as a function that returns the exit code.
 */
import { Command, CommanderError } from 'commander';
import { addCancelCommand } from './commands/cancel';
import { addDlqCommand } from './commands/dlq';
import { addGenesysCommand } from './commands/genesys-install-app';
import { addListCommand } from './commands/list';
import { addSendCommand } from './commands/send';
import { addStatusCommand } from './commands/status';
import { addGlobalOptions, CommandContext, type CliIo } from './context';
import { CliError, UsageError } from './errors';

/**
 * The whole CLI as a function: parse `argv` (without node and the script), run the command, and
 * return the exit code (0 ok, 1 the command failed, 2 usage error). Nothing here calls process.exit.
 */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const ctx = new CommandContext(io);
  const program = buildProgram(ctx);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return ctx.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2; // commander printed the message
    if (err instanceof UsageError) {
      io.stderr.write(
        `error: ${err.message}\n(run 'desktop-alerts ${commandPath(program, argv)}--help' for usage)\n`,
      );
      return 2;
    }
    if (err instanceof CliError) {
      if (ctx.json)
        io.stdout.write(JSON.stringify(err.json ?? { error: { detail: err.message } }, null, 2) + '\n');
      else io.stderr.write(`error: ${err.message}\n${err.lines.map((l) => `  ${l}\n`).join('')}`);
      return 1;
    }
    io.stderr.write(`error: ${(err as Error)?.stack ?? String(err)}\n`);
    return 1;
  }
}

/** The command `argv` runs (`send `, `dlq replay `), for the usage hint; '' when it names none. */
function commandPath(program: Command, argv: string[]): string {
  const named = (parent: Command, name: string | undefined) => parent.commands.find((c) => c.name() === name);
  const i = argv.findIndex((a) => named(program, a));
  if (i < 0) return '';
  const sub = named(named(program, argv[i])!, argv[i + 1]);
  return sub ? `${argv[i]} ${argv[i + 1]} ` : `${argv[i]} `;
}

function buildProgram(ctx: CommandContext): Command {
  const { io } = ctx;
  const program = new Command('desktop-alerts')
    .description(
      'Send and inspect desktop alerts (ingress HTTP API and Temporal visibility); register the agent app on Genesys Cloud.',
    )
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      getOutHelpWidth: () => io.stdout.columns ?? 100,
      getErrHelpWidth: () => io.stderr.columns ?? 100,
    })
    .showHelpAfterError('(add --help for usage)');
  addGlobalOptions(program, io.env);
  program.addHelpText(
    'after',
    `
Exit codes: 0 ok, 1 the command failed (the API refused, the alert is unknown, nothing answered), 2 usage error.
Every command takes --json (or -o json) for machine-readable output on stdout.`,
  );
  // Commands inherit the settings above (output, exitOverride): add them after.
  addSendCommand(program, ctx);
  addStatusCommand(program, ctx);
  addCancelCommand(program, ctx);
  addListCommand(program, ctx);
  addDlqCommand(program, ctx);
  addGenesysCommand(program, ctx);
  return program;
}

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
