/** `send`: one alert from flags or --json FILE, or many from --csv FILE or a JSON array. */
import type { Command } from 'commander';
import { ALERT_TYPES, PRIORITIES } from '../../shared/constants';
import { buildBody, ensureKey, type AlertBody, type AlertSpec } from '../alert-body';
import { alertsFromCsv, alertsFromJson, readInput } from '../alert-input';
import { postAlert } from '../api';
import { sendMany, type BulkResult } from '../bulk';
import { outputOption, type CommandContext, type OutputOptions } from '../context';
import { UsageError } from '../errors';
import { collect, parsePositiveInt } from '../parse';

/** `send`'s flags: the alert's own, how to read and send it, and the output (its --json may name a file). */
type SendOptions = AlertSpec &
  Omit<OutputOptions, 'json'> & {
    /** A file (or - for stdin) to read the alert from; alone (true): JSON output. */
    json?: string | true;
    csv?: string;
    concurrency: string;
  };

export function addSendCommand(program: Command, ctx: CommandContext): void {
  program
    .command('send')
    .description('send one alert (flags or --json FILE), or many (--csv FILE, or a JSON array)')
    .option('--user-id <id>', 'target agent by Genesys user id')
    .option('--email <address>', 'target agent by email')
    .option('--title <text>', 'toast title')
    .option('--message <text>', 'toast body')
    .option('--type <type>', ALERT_TYPES.join(' | '))
    .option('--priority <priority>', `${PRIORITIES.join(' | ')} (default normal)`)
    .option('--action <label=url>', 'an "open URL" button (repeatable)', collect)
    .option(
      '--ack-action <label>',
      'a button the agent acknowledges with (repeatable); the alert then waits for it',
      collect,
    )
    .option('--expires-in <duration>', 'e.g. 15m, 2h (default: the service TTL)')
    .option('--idempotency-key <key>', 'the same key again never sends twice (default: a new one)')
    .option(
      '--metadata <key=value>',
      'routing data, repeatable (source and transactionId are searchable)',
      collect,
    )
    .option(
      '--json [FILE]',
      'read the alert body (or an array of bodies) from FILE, - for stdin; alone: JSON output',
    )
    .option(
      '--csv <FILE>',
      'send one alert per row (columns named like the flags; flags give defaults), - for stdin',
    )
    .option('--concurrency <n>', 'requests in flight with --csv or a JSON array', '8')
    .addOption(outputOption())
    .addHelpText(
      'after',
      `
Examples:
  desktop-alerts send --email jordan.smith@example.com --type warning --title "Compliance review" \\
      --message "Case TXN-88921 needs a second look" --action "Open case=https://crm.example.com/c/88921" \\
      --ack-action Acknowledge --expires-in 15m --metadata transactionId=TXN-88921
  desktop-alerts send --json alert.json
  desktop-alerts send --csv alerts.csv --type info --title "Maintenance tonight"

CSV columns: user-id, email, title, message, type, priority, action, ack-action, expires-in,
idempotency-key, metadata (k=v;k2=v2), metadata.<key>. action/ack-action cells may hold several
values separated by ';'. Rows without an idempotency-key get one derived from the file's content and
row, so sending the same file again sends nothing twice. Exit code 1 when any row was rejected.`,
    )
    .action(
      async ({ json, csv, concurrency: concurrencyText, output, ...spec }: SendOptions, cmd: Command) => {
        const jsonFile = typeof json === 'string' ? json : undefined;
        ctx.setOutput({ output, json: json === true });
        if (csv && jsonFile) throw new UsageError('give --csv or --json FILE, not both');
        const concurrency = parsePositiveInt(concurrencyText, '--concurrency', 256);
        if (csv || jsonFile) {
          const source = (csv ?? jsonFile)!;
          const content = await readInput(source, ctx.io.stdin);
          const input = csv ? { items: alertsFromCsv(content, spec) } : alertsFromJson(content, source, spec);
          if ('body' in input) return sendOne(ctx, cmd, input.body);
          const { items } = input;
          if (spec.idempotencyKey && items.length > 1)
            throw new UsageError('--idempotency-key cannot apply to many alerts (each needs its own key)');
          const result = await ctx.withApi(cmd, (a) =>
            sendMany(a, items, { concurrency, progress: ctx.io.stderr }),
          );
          ctx.print(renderBulk(result), result);
          ctx.exitCode = result.rejected > 0 || result.failed > 0 ? 1 : 0;
          return;
        }
        if (Object.values(spec).every((v) => v === undefined))
          throw new UsageError(
            'nothing to send: give the alert as flags (--user-id/--email, --title, --message, --type, ...), --json FILE or --csv FILE',
          );
        await sendOne(ctx, cmd, buildBody(spec));
      },
    );
}

async function sendOne(ctx: CommandContext, cmd: Command, body: AlertBody): Promise<void> {
  const res = await ctx.withApi(cmd, (api) => postAlert(api, ensureKey(body)));
  const { alertId, status } = res.body;
  ctx.print(
    status === 'duplicate'
      ? `duplicate  ${alertId}  (an alert with this idempotency key exists; nothing was sent)\n`
      : `accepted   ${alertId}\n`,
    res.body,
  );
}

/** The rows that sent nothing, listed after the summary under these headings. */
const UNSENT_HEADINGS = [
  ['rejected', 'rejected:'],
  ['failed', 'failed (no answer; running the same input again is safe, the keys are the same):'],
] as const;

function renderBulk(r: BulkResult): string {
  const lines = [
    `${r.total} row(s): ${r.accepted} accepted, ${r.duplicate} duplicate, ${r.rejected} rejected${r.failed ? `, ${r.failed} failed` : ''}`,
  ];
  for (const [status, heading] of UNSENT_HEADINGS) {
    const rows = r.rows.flatMap((o) => (o.status === status ? [`  ${o.where}: ${o.errors.join('; ')}`] : []));
    if (rows.length > 0) lines.push(heading, ...rows);
  }
  return lines.join('\n') + '\n';
}
