/**
 * The install itself: find the agent app's OAuth client and Client App integration by name, then create what
 * is missing and update what differs, in an order where the app is never enabled without its URL (client,
 * integration, configuration, state). With `dryRun` it only reads and records the writes it would make.
 */
import {
  CLIENT_APP_INTEGRATION_TYPE,
  type Integration,
  type IntegrationConfiguration,
  type OAuthClient,
  type OAuthClientRequest,
  type PlatformAdmin,
} from '../../genesys';
import { CliError } from '../errors';
import { LIFECYCLE, wantedProperties, type Wanted } from './wanted';

export type Action = 'create' | 'update' | 'unchanged';

/** A write the install makes (or, in a dry run, would make). Never holds a secret or a token. */
export interface PlannedRequest {
  method: 'POST' | 'PUT' | 'PATCH';
  path: string;
  body: unknown;
}

export interface Outcome {
  /** What it is: 'OAuth client', 'integration', 'configuration', 'state'. */
  what: string;
  action: Action;
  id?: string;
  /** The fields that differed (update), or a short note. */
  changes: string[];
  request?: PlannedRequest;
}

export interface InstallResult {
  dryRun: boolean;
  outcomes: Outcome[];
  /** The OAuth client's id; undefined in a dry run that would create it. */
  clientId?: string;
}

/** Stand-in for the id a dry run cannot know, in the paths it prints. */
const NEW_INTEGRATION = '{new integration id}';

export async function installApp(admin: PlatformAdmin, w: Wanted, dryRun: boolean): Promise<InstallResult> {
  const outcomes: Outcome[] = [];
  /** Runs a write, or records it in a dry run (then answers undefined). */
  const write = async <T>(o: Outcome, request: PlannedRequest, run: () => Promise<T>) => {
    o.request = request;
    outcomes.push(o);
    return dryRun ? undefined : run();
  };

  // 1. The OAuth client.
  const client = only(
    (await admin.listOAuthClients()).filter((c) => c.name === w.name),
    'OAuth clients',
    w.name,
  );
  let clientId = client?.id;
  if (!client) {
    const made = await write(
      { what: 'OAuth client', action: 'create', changes: [] },
      { method: 'POST', path: '/api/v2/oauth/clients', body: w.client },
      () => admin.createOAuthClient(w.client),
    );
    clientId = made?.id;
    if (made) outcomes.at(-1)!.id = made.id;
  } else {
    if (client.authorizedGrantType !== 'CODE')
      throw new CliError(
        `the OAuth client named "${w.name}" (${client.id}) has the ${client.authorizedGrantType} grant, not CODE (PKCE)`,
        ['pick another --name, or rename that client in Admin > Integrations > OAuth'],
      );
    const changes = clientDiff(client, w.client);
    if (changes.length === 0)
      outcomes.push({ what: 'OAuth client', action: 'unchanged', id: client.id, changes });
    else {
      const body = updatedClient(client, w.client);
      await write(
        { what: 'OAuth client', action: 'update', id: client.id, changes },
        { method: 'PUT', path: `/api/v2/oauth/clients/${client.id}`, body },
        () => admin.updateOAuthClient(client.id, body),
      );
    }
  }

  // 2. The Client App integration.
  let integration: Integration | undefined = only(
    (await admin.listIntegrations(CLIENT_APP_INTEGRATION_TYPE)).filter((i) => i.name === w.name),
    'Client App integrations',
    w.name,
  );
  const created = !integration;
  if (!integration) {
    const body = { name: w.name, integrationType: { id: CLIENT_APP_INTEGRATION_TYPE } };
    integration = await write(
      { what: 'integration', action: 'create', changes: [] },
      { method: 'POST', path: '/api/v2/integrations', body },
      () => admin.createIntegration(w.name, CLIENT_APP_INTEGRATION_TYPE),
    );
    if (integration) outcomes.at(-1)!.id = integration.id;
  } else outcomes.push({ what: 'integration', action: 'unchanged', id: integration.id, changes: [] });
  const integrationId = integration?.id ?? NEW_INTEGRATION;

  // 3. Its configuration (a new integration's is version 1, per the Client App SDK's README).
  const current: IntegrationConfiguration | undefined = integration
    ? await admin.getConfig(integration.id)
    : undefined;
  const config = wantedConfig(w, current);
  const configChanges = created ? [] : configDiff(current!, config);
  if (!created && configChanges.length === 0)
    outcomes.push({
      what: 'configuration',
      action: 'unchanged',
      id: integration?.id,
      changes: [`version ${current!.version}`],
    });
  else
    await write(
      { what: 'configuration', action: created ? 'create' : 'update', changes: configChanges },
      { method: 'PUT', path: `/api/v2/integrations/${integrationId}/config/current`, body: config },
      () => admin.putConfig(integrationId, config),
    ).then((put) => put && outcomes.at(-1)!.changes.push(`now version ${put.version}`));

  // 4. Enabled, last: the app never shows without its URL.
  if (integration && !created && integration.intendedState === 'ENABLED')
    outcomes.push({ what: 'state', action: 'unchanged', id: integrationId, changes: ['ENABLED'] });
  else {
    const body = { intendedState: 'ENABLED' as const };
    await write(
      {
        what: 'state',
        action: created ? 'create' : 'update',
        id: integrationId,
        changes: [`${integration?.intendedState ?? 'DISABLED'} -> ENABLED`],
      },
      { method: 'PATCH', path: `/api/v2/integrations/${integrationId}`, body },
      () => admin.setIntendedState(integrationId, 'ENABLED'),
    );
  }

  return { dryRun, outcomes, clientId };
}

/** The one entity of that name; several are ambiguous: never pick one. */
function only<T extends { id: string }>(matches: T[], what: string, name: string): T | undefined {
  if (matches.length > 1)
    throw new CliError(`${matches.length} ${what} are named "${name}": cannot tell which one to update`, [
      `ids: ${matches.map((m) => m.id).join(', ')}`,
      'delete or rename the extra ones in Genesys Cloud, or pick another --name',
    ]);
  return matches[0];
}

const sameSet = (a: string[] | undefined, b: string[] | undefined) => {
  const x = new Set(a ?? []);
  const y = new Set(b ?? []);
  return x.size === y.size && [...x].every((v) => y.has(v));
};

function clientDiff(have: OAuthClient, want: OAuthClientRequest): string[] {
  const out: string[] = [];
  if (!sameSet(have.registeredRedirectUri, want.registeredRedirectUri)) out.push('registeredRedirectUri');
  if (!sameSet(have.scope, want.scope)) out.push('scope');
  return out;
}

/** PUT replaces the client: keep what this command does not own (roles, token lifetime, description). */
function updatedClient(have: OAuthClient, want: OAuthClientRequest): OAuthClientRequest {
  return {
    name: have.name,
    description: have.description ?? want.description,
    authorizedGrantType: 'CODE',
    registeredRedirectUri: want.registeredRedirectUri,
    scope: want.scope,
    ...(have.roleIds?.length ? { roleIds: have.roleIds } : {}),
    ...(have.accessTokenValiditySeconds !== undefined
      ? { accessTokenValiditySeconds: have.accessTokenValiditySeconds }
      : {}),
  };
}

/** The config to PUT: ours over what is there, at the current version (a new integration's: 1). */
function wantedConfig(w: Wanted, current: IntegrationConfiguration | undefined): IntegrationConfiguration {
  const properties = current?.properties ?? {};
  return {
    name: current?.name || w.name,
    version: current?.version ?? 1,
    properties: { ...properties, ...wantedProperties(w, properties.groups) },
    advanced: { ...(current?.advanced ?? {}), lifecycle: LIFECYCLE },
    notes:
      current?.notes || `Desktop alerts agent app at ${w.publicUrl} (desktop-alerts genesys install-app)`,
    credentials: current?.credentials ?? {},
  };
}

function configDiff(have: IntegrationConfiguration, want: IntegrationConfiguration): string[] {
  const out: string[] = [];
  for (const key of ['url', 'displayType', 'sandbox', 'groups'])
    if (!deepEqual(have.properties?.[key], want.properties[key])) out.push(`properties.${key}`);
  if (!deepEqual(have.advanced?.lifecycle, want.advanced.lifecycle)) out.push('advanced.lifecycle');
  return out;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return (
    ka.length === kb.length &&
    ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  );
}
