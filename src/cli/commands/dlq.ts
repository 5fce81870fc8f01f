/** `dlq list` and `dlq replay`: desktop callbacks that could not be applied, and putting them back. */
import type { Command } from 'commander';
import { explainStatus } from '../api';
import type { ResponseBody } from '../api-contract';
import { addOutputOptions, type CommandContext, type OutputOptions } from '../context';
import { UsageError } from '../errors';
import { shortTime, table, truncate } from '../format';
import { parseNonNegativeInt, parsePositiveInt } from '../parse';

export function addDlqCommand(program: Command, ctx: CommandContext): void {
  const dlq = program.command('dlq').description('dead-lettered desktop callbacks: list and replay');
  const list = dlq
    .command('list')
    .description('callbacks that could not be applied, with their reason')
    .option('--limit <n>', 'page size', '100')
    .option('--after <id>', 'start after this dead-letter id');
  addOutputOptions(list).action(
    async (opts: { limit: string; after?: string } & OutputOptions, cmd: Command) => {
      ctx.setOutput(opts);
      const limit = parsePositiveInt(opts.limit, '--limit', 1000);
      const after = opts.after === undefined ? 0 : parseNonNegativeInt(opts.after, '--after');
      const res = await ctx.withApi(cmd, (a) =>
        a.send('get', '/v1/dead-letters', { query: { limit, after } }),
      );
      ctx.print(renderDeadLetters(res.body), res.body);
    },
  );
  const replay = dlq
    .command('replay')
    .description('put dead letters back in the relay queue (they are applied again)')
    .argument('[id]', 'dead-letter id')
    .option('--all', 'every dead letter');
  addOutputOptions(replay).action(
    async (id: string | undefined, opts: { all?: boolean } & OutputOptions, cmd: Command) => {
      ctx.setOutput(opts);
      if ((id === undefined) === !opts.all) throw new UsageError('give a dead-letter id or --all (not both)');
      if (opts.all) {
        const res = await ctx.withApi(cmd, (a) => a.send('post', '/v1/dead-letters/replay'));
        ctx.print(
          `replayed ${res.body.replayed}, skipped ${res.body.skipped} (bodies that still cannot be used)\n`,
          res.body,
        );
        return;
      }
      const n = parsePositiveInt(id!, 'id', Number.MAX_SAFE_INTEGER);
      const res = await ctx
        .withApi(cmd, (a) => a.send('post', '/v1/dead-letters/{id}/replay', { params: { id: n } }))
        .catch(
          explainStatus({
            404: () => `no dead letter with id ${n}`,
            409: (err) => `dead letter ${n} cannot be replayed: ${err.problem.detail ?? 'conflict'}`,
          }),
        );
      ctx.print(`replayed dead letter ${res.body.id}\n`, res.body);
    },
  );
}

function renderDeadLetters(p: ResponseBody<'get', '/v1/dead-letters'>): string {
  if (p.items.length === 0)
    return p.total === 0 ? 'no dead letters\n' : `no dead letters on this page (${p.total} in all)\n`;
  const t = table(
    ['ID', 'RECEIVED', 'REASON', 'ALERT', 'ATTEMPTS', 'DETAIL'],
    p.items.map((d) => [
      String(d.id),
      shortTime(d.receivedAt),
      d.reason ?? '',
      d.alertId ?? '',
      String(d.attempts),
      truncate((d.detail ?? '').replace(/\s+/g, ' '), 80),
    ]),
  );
  const last = p.items.at(-1)!;
  return `${t}${p.items.length} of ${p.total} dead letter(s)${p.next ? `; more: desktop-alerts dlq list --after ${last.id}` : ''}\n`;
}
