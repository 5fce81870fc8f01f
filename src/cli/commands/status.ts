/** `status`: an alert's state, as the API reports it. */
import type { Command } from 'commander';
import { alertIdArgument, noSuchAlert, toAlertId } from '../alert-id';
import { explainStatus } from '../api';
import type { ResponseBody } from '../api-contract';
import { addOutputOptions, type CommandContext, type OutputOptions } from '../context';
import { shortTime } from '../format';

export function addStatusCommand(program: Command, ctx: CommandContext): void {
  const status = program
    .command('status')
    .description("an alert's state: stage, agent, notification, actions, fallback, failure reason")
    .addArgument(alertIdArgument());
  addOutputOptions(status).action(async (id: string, opts: OutputOptions, cmd: Command) => {
    ctx.setOutput(opts);
    const alertId = toAlertId(id);
    const res = await ctx
      .withApi(cmd, (a) => a.send('get', '/v1/alerts/{alertId}', { params: { alertId } }))
      .catch(explainStatus({ 404: noSuchAlert(alertId) }));
    ctx.print(renderState(res.body), res.body);
  });
}

/** GET /v1/alerts/{id} for a person. */
function renderState(s: ResponseBody<'get', '/v1/alerts/{alertId}'>): string {
  const rows: Array<[string, string | undefined]> = [
    ['alert', s.alertId],
    ['status', s.status],
    ['type', `${s.type} (priority ${s.priority})`],
    ['target', 'userId' in s.target ? `user ${s.target.userId}` : `email ${s.target.email}`],
    // The resolved agent, when it says more than the target does.
    [
      'agent',
      s.agent &&
      !('userId' in s.target && s.target.userId === s.agent.userId && !s.agent.name && !s.agent.email)
        ? `${s.agent.name ?? ''}${s.agent.email ? ` <${s.agent.email}>` : ''} ${s.agent.userId}`.trim()
        : undefined,
    ],
    ['presence', s.presence ? `${s.presence}${s.routingStatus ? ` / ${s.routingStatus}` : ''}` : undefined],
    ['notification', s.notificationId],
    ['expires', shortTime(s.expiresAt)],
    ['created', shortTime(s.createdAt)],
    ['updated', shortTime(s.updatedAt)],
    ['source', s.source],
    ['desktop failure', s.desktopFailureReason],
    ['failure', s.failureReason],
  ];
  const out = rows.filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => `${k.padEnd(16)}${v}`);
  for (const a of s.actions ?? []) {
    out.push(
      `${'action'.padEnd(16)}${a.actionId} by ${a.userId} at ${shortTime(a.clickedAt)} (downstream: ${a.downstream})`,
    );
  }
  for (const f of s.fallback ?? []) {
    out.push(
      `${'fallback'.padEnd(16)}${f.channel} ${f.outcome} at ${shortTime(f.at)}${f.detail ? `: ${f.detail}` : ''}`,
    );
  }
  return out.join('\n') + '\n';
}
