/** `list`: find alerts through Temporal visibility. */
import type { Command } from 'commander';
import { dataConverterFor } from '../../codec';
import { ConfigError, payloadKeysFromEnv } from '../../config';
import { ALERT_TYPES, PRIORITIES } from '../../shared/constants';
import { addOutputOptions, type CommandContext, type OutputOptions } from '../context';
import { UsageError } from '../errors';
import { shortTime, table } from '../format';
import { buildListQuery, listAlerts, type AlertRow, type ListFilters } from '../visibility';
import { collectList, parseDuration, parsePositiveInt, parseSince } from '../parse';

/** `list`'s flags: the filters (--since still as given), how many, and the output. */
type ListOptions = Omit<ListFilters, 'since' | 'channelSkips'> & {
  since?: string;
  limit: string;
  /** --channel-skip, repeatable: the AlertChannelSkips filter. */
  channelSkip?: string[];
} & OutputOptions;

export function addListCommand(program: Command, ctx: CommandContext): void {
  const list = program
    .command('list')
    .description('find alerts through Temporal visibility (search attributes), newest first')
    .option('--status <status>', 'e.g. awaiting_action, failed (repeatable or comma-separated)', collectList)
    .option('--type <type>', `${ALERT_TYPES.join(' | ')} (repeatable)`, collectList)
    .option('--priority <priority>', `${PRIORITIES.join(' | ')} (repeatable)`, collectList)
    .option(
      '--agent <agent>',
      'Genesys user id (never an email: an alert sent to an email is indexed once its user is resolved) (repeatable)',
      collectList,
    )
    .option('--source <source>', 'metadata.source (repeatable)', collectList)
    .option('--transaction-id <id>', 'metadata.transactionId (repeatable)', collectList)
    .option(
      '--channel <channel>',
      'the desktop channel that delivered: agent-app | notifications-endpoint | none (repeatable)',
      collectList,
    )
    .option(
      '--channel-skip <channel:reason>',
      'a channel skipped for a reason, e.g. agent-app:no_live_session (repeatable)',
      collectList,
    )
    .option('--since <when>', 'started within a duration (24h) or since an ISO time')
    .option('--query <clause>', 'an extra visibility clause, ANDed')
    .option('--limit <n>', 'at most this many', '50');
  addOutputOptions(list).action(
    async ({ since, limit: limitText, json, output, channelSkip, ...filters }: ListOptions, cmd: Command) => {
      ctx.setOutput({ json, output });
      const g = ctx.globals(cmd);
      const query = buildListQuery({
        ...filters,
        channelSkips: channelSkip,
        since: since ? parseSince(since, new Date()) : undefined,
      });
      const limit = parsePositiveInt(limitText, '--limit', 10_000);
      const temporal = ctx.temporal(cmd);
      // The service's payload keys: a run's memo is encrypted when they are set (README, Payload encryption).
      let payloadKeys;
      try {
        payloadKeys = payloadKeysFromEnv(ctx.io.env);
      } catch (err) {
        if (err instanceof ConfigError) throw new UsageError(err.problems.join('; '));
        throw err;
      }
      const rows = await listAlerts(
        {
          temporal,
          connectTimeoutMs: parseDuration(g.timeout, '--timeout'),
          dataConverter: dataConverterFor({ payloadKeys }),
        },
        query,
        limit,
      );
      ctx.print(renderList(rows), rows);
    },
  );
}

function renderList(rows: AlertRow[]): string {
  if (rows.length === 0) return 'no alerts match\n';
  return table(
    ['ALERT ID', 'STATUS', 'TYPE', 'PRIORITY', 'AGENT', 'STARTED'],
    rows.map((r) => [r.alertId, r.status, r.type, r.priority, r.agent, shortTime(r.startedAt)]),
  );
}
