/** `cancel`: stop an alert. */
import type { Command } from 'commander';
import { alertIdArgument, noSuchAlert, toAlertId } from '../alert-id';
import { explainStatus } from '../api';
import { addOutputOptions, type CommandContext, type OutputOptions } from '../context';

export function addCancelCommand(program: Command, ctx: CommandContext): void {
  const cancel = program
    .command('cancel')
    .description('stop an alert (it withdraws the toast and ends as cancelled)')
    .addArgument(alertIdArgument())
    .option('--reason <text>', 'why (kept in the alert state)');
  addOutputOptions(cancel).action(
    async (id: string, opts: { reason?: string } & OutputOptions, cmd: Command) => {
      ctx.setOutput(opts);
      const alertId = toAlertId(id);
      const res = await ctx
        .withApi(cmd, (a) =>
          a.send('post', '/v1/alerts/{alertId}/cancel', {
            params: { alertId },
            body: opts.reason ? { reason: opts.reason } : {},
          }),
        )
        .catch(explainStatus({ 409: () => `alert ${alertId} is already closed`, 404: noSuchAlert(alertId) }));
      ctx.print(`cancelling ${res.body.alertId}\n`, res.body);
    },
  );
}
