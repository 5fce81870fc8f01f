/** What `genesys install-app` prints: one line per thing it made, updated or left, the writes of a dry run, the env line. */
import type { InstallResult, Outcome } from './install';
import type { Wanted } from './wanted';

const VERB = {
  create: { done: 'created', would: 'would create' },
  update: { done: 'updated', would: 'would update' },
  unchanged: { done: 'unchanged', would: 'unchanged' },
} as const;

function line(o: Outcome, name: string, dryRun: boolean): string {
  const verb = VERB[o.action][dryRun ? 'would' : 'done'];
  const label =
    o.what === 'OAuth client'
      ? `OAuth client "${name}" (authorization code + PKCE)`
      : o.what === 'integration'
        ? `Client App integration "${name}"`
        : `  ${o.what}`;
  const state = o.what === 'state' && o.action !== 'unchanged' ? (dryRun ? 'would enable' : 'enabled') : verb;
  const id = o.id && (o.what === 'OAuth client' || o.what === 'integration') ? `, id ${o.id}` : '';
  const changes = o.changes.length ? ` (${o.changes.join(', ')})` : '';
  return `${label}: ${state}${id}${changes}\n`;
}

const request = (o: Outcome) =>
  o.request
    ? `    ${o.request.method} ${o.request.path}\n${JSON.stringify(o.request.body, null, 2)
        .split('\n')
        .map((l) => `    ${l}`)
        .join('\n')}\n`
    : '';

export function renderText(r: InstallResult, w: Wanted, apiBase: string): string {
  let out = r.dryRun
    ? `Dry run against ${apiBase}: nothing is changed (the org was only read, to tell create from update).\n`
    : `Registering the agent app at ${w.publicUrl} on ${apiBase}\n`;
  for (const o of r.outcomes) out += line(o, w.name, r.dryRun) + (r.dryRun ? request(o) : '');
  out += r.clientId
    ? `\nPut this in the service's environment:\nGENESYS_APP_CLIENT_ID=${r.clientId}\n`
    : '\nGENESYS_APP_CLIENT_ID: known once the OAuth client exists (run without --dry-run)\n';
  return out;
}

export function renderJson(r: InstallResult, w: Wanted, apiBase: string): unknown {
  return {
    dryRun: r.dryRun,
    apiBase,
    name: w.name,
    appUrl: w.appUrl,
    redirectUri: w.redirectUri,
    steps: r.outcomes.map((o) => ({
      what: o.what,
      action: o.action,
      id: o.id,
      changes: o.changes,
      ...(r.dryRun && o.request ? { request: o.request } : {}),
    })),
    env: r.clientId ? { GENESYS_APP_CLIENT_ID: r.clientId } : {},
  };
}
