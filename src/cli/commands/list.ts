/** `list`: find alerts through Temporal visibility. */
import type { Command } from 'commander';
import { addOutputOptions, type CommandContext } from '../context';
import { UsageError } from '../errors';
import { shortTime, table } from '../format';
import { buildListQuery, listAlerts, type AlertRow } from '../list';
import { collectList, parseDuration, parsePositiveInt, parseSince } from '../parse';

interface ListOpts {
  status?: string[];
  type?: string[];
  priority?: string[];
  agent?: string[];
  source?: string[];
  transactionId?: string[];
  since?: string;
  query?: string;
  limit: string;
  json?: boolean;
  output?: string;
}

export function addListCommand(program: Command, ctx: CommandContext): void {
  const list = program
    .command('list')
    .description('find alerts through Temporal visibility (search attributes), newest first')
    .option('--status <status>', 'e.g. awaiting_action, failed (repeatable or comma-separated)', collectList)
    .option('--type <type>', 'info | warning | error (repeatable)', collectList)
    .option('--priority <priority>', 'high | normal | low (repeatable)', collectList)
    .option(
      '--agent <agent>',
      'Genesys user id (an alert sent to an email carries the email only until the agent is resolved) (repeatable)',
      collectList,
    )
    .option('--source <source>', 'metadata.source (repeatable)', collectList)
    .option('--transaction-id <id>', 'metadata.transactionId (repeatable)', collectList)
    .option('--since <when>', 'started within a duration (24h) or since an ISO time')
    .option('--query <clause>', 'an extra visibility clause, ANDed')
    .option('--limit <n>', 'at most this many', '50');
  addOutputOptions(list).action(async (opts: ListOpts, cmd: Command) => {
    ctx.setOutput(opts);
    const g = ctx.globals(cmd);
    const query = buildListQuery({
      status: opts.status,
      type: opts.type,
      priority: opts.priority,
      agent: opts.agent,
      source: opts.source,
      transactionId: opts.transactionId,
      since: opts.since ? parseSince(opts.since, new Date()) : undefined,
      query: opts.query,
    });
    const limit = parsePositiveInt(opts.limit, '--limit', 10_000);
    if (!/^[^\s:]+:\d+$/.test(g.temporalAddress))
      throw new UsageError(`--temporal-address: expected host:port, got '${g.temporalAddress}'`);
    const rows = await listAlerts(
      {
        address: g.temporalAddress,
        namespace: g.namespace,
        connectTimeoutMs: parseDuration(g.timeout, '--timeout'),
      },
      query,
      limit,
    );
    ctx.print(renderList(rows), rows);
  });
}

function renderList(rows: AlertRow[]): string {
  if (rows.length === 0) return 'no alerts match\n';
  return table(
    ['ALERT ID', 'STATUS', 'TYPE', 'PRIORITY', 'AGENT', 'STARTED'],
    rows.map((r) => [r.alertId, r.status, r.type, r.priority, r.agent, shortTime(r.startedAt)]),
  );
}
