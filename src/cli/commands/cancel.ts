/** `cancel`: stop an alert. */
import type { Command } from 'commander';
import { notFound, toAlertId } from '../alert-id';
import { ApiError } from '../api';
import { outputOption, type CommandContext } from '../context';
import { CliError } from '../errors';

export function addCancelCommand(program: Command, ctx: CommandContext): void {
  program
    .command('cancel')
    .description('stop an alert (it withdraws the toast and ends as cancelled)')
    .argument('<id>', 'alert id (alert-<key>) or its idempotency key')
    .option('--reason <text>', 'why (kept in the alert state)')
    .option('--json', 'JSON output')
    .addOption(outputOption())
    .action(async (id: string, opts: { reason?: string; json?: boolean; output?: string }, cmd: Command) => {
      ctx.setOutput(opts);
      const alertId = toAlertId(id);
      const res = await ctx
        .withApi(cmd, (a) =>
          a.call<{ alertId: string; status: string }>(
            'POST',
            `/v1/alerts/${encodeURIComponent(alertId)}/cancel`,
            opts.reason ? { reason: opts.reason } : {},
          ),
        )
        .catch((err: unknown) => {
          if (err instanceof ApiError && err.status === 409)
            throw new CliError(`alert ${alertId} is already closed`, [], err.json);
          return notFound(alertId)(err);
        });
      ctx.print(`cancelling ${res.body.alertId}\n`, res.body);
    });
}
