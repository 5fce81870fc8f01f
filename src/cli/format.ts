import type { AlertState } from '../shared/messages';

/** A plain-text table: left-aligned columns, a header row, two spaces between columns. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

/** `2026-11-29T12:00:00.123Z` -> `2026-11-29 12:00:00Z`. */
export const shortTime = (iso: string | undefined): string =>
  iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '';

export const truncate = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** GET /v1/alerts/{id} for a person. */
export function renderState(s: AlertState): string {
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
