/**
 * The Platform API calls that register the agent app on an org (an admin's client-credentials client):
 * OAuth clients (GET/POST /api/v2/oauth/clients, PUT /api/v2/oauth/clients/{id}) and Client App integrations
 * (GET/POST /api/v2/integrations, PATCH /api/v2/integrations/{id}, GET/PUT .../config/current). Shapes are the
 * platform SDK's models (OAuthClientRequest, OAuthClient, CreateIntegrationRequest, Integration,
 * IntegrationConfiguration, *EntityListing). Errors are GenesysApiError; `operation` names the call without ids.
 */
import { Agent, type Dispatcher } from 'undici';
import { errorFromResponse, tryParseJson } from './errors';
import { sendAuthorized } from './http';
import { TokenCache } from './token-cache';
import { GenesysApiError } from './types';

/** The Client App integration type (the Client App SDK's README). */
export const CLIENT_APP_INTEGRATION_TYPE = 'embedded-client-app';
/** Safety stop for paging through listings. */
const MAX_PAGES = 100;
const PAGE_SIZE = 100;

export interface OAuthClientRequest {
  name: string;
  description?: string;
  authorizedGrantType: 'CODE' | 'TOKEN' | 'CLIENT-CREDENTIALS' | 'SAML2-BEARER' | 'PASSWORD';
  registeredRedirectUri?: string[];
  scope?: string[];
  roleIds?: string[];
  accessTokenValiditySeconds?: number;
}

export interface OAuthClient extends OAuthClientRequest {
  id: string;
  /** Only in the answer to a create; never printed or logged. */
  secret?: string;
  state?: string;
}

export interface Integration {
  id: string;
  name?: string;
  integrationType?: { id: string };
  intendedState: string;
  reportedState?: { code?: string };
}

export interface IntegrationConfiguration {
  name: string;
  version: number;
  properties: Record<string, unknown>;
  advanced: Record<string, unknown>;
  notes: string;
  credentials: Record<string, unknown>;
}

interface Listing<T> {
  entities?: T[];
  pageNumber?: number;
  pageCount?: number;
  nextUri?: string;
}

export interface PlatformAdminOptions {
  apiBase: string;
  loginBase: string;
  clientId: string;
  clientSecret: string;
  timeoutMs?: number;
}

export interface PlatformAdmin {
  listOAuthClients(): Promise<OAuthClient[]>;
  createOAuthClient(body: OAuthClientRequest): Promise<OAuthClient>;
  updateOAuthClient(id: string, body: OAuthClientRequest): Promise<OAuthClient>;
  /** Every integration of one type, all pages. */
  listIntegrations(integrationType: string): Promise<Integration[]>;
  createIntegration(name: string, integrationType: string): Promise<Integration>;
  getConfig(integrationId: string): Promise<IntegrationConfiguration>;
  putConfig(integrationId: string, body: IntegrationConfiguration): Promise<IntegrationConfiguration>;
  setIntendedState(integrationId: string, state: 'ENABLED' | 'DISABLED'): Promise<Integration>;
  close(): Promise<void>;
}

const enc = encodeURIComponent;

/** A Platform API client for the registration calls, over its own undici Agent (close() releases it). */
export function createPlatformAdmin(opts: PlatformAdminOptions): PlatformAdmin {
  const apiBase = opts.apiBase.replace(/\/+$/, '');
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const agent: Dispatcher = new Agent({ keepAliveTimeout: 2_000, connect: { timeout: timeoutMs } });
  const tokens = new TokenCache({
    loginBase: opts.loginBase,
    clientId: opts.clientId,
    clientSecret: opts.clientSecret,
    dispatcher: agent,
    timeoutMs,
  });

  /** One call; a 401 fetches a new token and tries once more (GENESYS.md). Returns the parsed 2xx body. */
  async function call<T>(operation: string, method: Dispatcher.HttpMethod, path: string, body?: unknown) {
    const res = await sendAuthorized(agent, tokens, apiBase + path, {
      method,
      json: body,
      timeoutMs,
      operation,
    });
    if (res.status < 200 || res.status >= 300) throw errorFromResponse(res, operation);
    const parsed = tryParseJson(res.text);
    if (!parsed || typeof parsed !== 'object')
      throw new GenesysApiError(
        `${operation}: HTTP ${res.status} without a JSON body`,
        'server',
        res.status,
        undefined,
        res.ininCorrelationId,
      );
    return parsed as T;
  }

  /**
   * Every page of a listing: by pageNumber until pageCount where the endpoint takes paging parameters
   * (integrations), else by the answer's nextUri (GET /api/v2/oauth/clients documents no paging parameters).
   */
  async function all<T>(operation: string, path: string, paged: boolean): Promise<T[]> {
    const out: T[] = [];
    const sep = path.includes('?') ? '&' : '?';
    let next: string | undefined = paged ? `${path}${sep}pageSize=${PAGE_SIZE}&pageNumber=1` : path;
    for (let page = 1; next && page <= MAX_PAGES; page++) {
      const listing: Listing<T> = await call<Listing<T>>(operation, 'GET', next);
      const entities = listing.entities ?? [];
      out.push(...entities);
      if (entities.length === 0) break;
      if (paged && listing.pageCount !== undefined)
        next =
          page < listing.pageCount ? `${path}${sep}pageSize=${PAGE_SIZE}&pageNumber=${page + 1}` : undefined;
      else next = listing.nextUri ? pathOf(listing.nextUri) : undefined;
    }
    return out;
  }

  return {
    listOAuthClients: () => all<OAuthClient>('GET /api/v2/oauth/clients', '/api/v2/oauth/clients', false),
    createOAuthClient: (body) =>
      call<OAuthClient>('POST /api/v2/oauth/clients', 'POST', '/api/v2/oauth/clients', body),
    updateOAuthClient: (id, body) =>
      call<OAuthClient>('PUT /api/v2/oauth/clients/{id}', 'PUT', `/api/v2/oauth/clients/${enc(id)}`, body),
    listIntegrations: (type) =>
      all<Integration>('GET /api/v2/integrations', `/api/v2/integrations?integrationType=${enc(type)}`, true),
    createIntegration: (name, type) =>
      call<Integration>('POST /api/v2/integrations', 'POST', '/api/v2/integrations', {
        name,
        integrationType: { id: type },
      }),
    getConfig: (id) =>
      call<IntegrationConfiguration>(
        'GET /api/v2/integrations/{id}/config/current',
        'GET',
        `/api/v2/integrations/${enc(id)}/config/current`,
      ),
    putConfig: (id, body) =>
      call<IntegrationConfiguration>(
        'PUT /api/v2/integrations/{id}/config/current',
        'PUT',
        `/api/v2/integrations/${enc(id)}/config/current`,
        body,
      ),
    setIntendedState: (id, state) =>
      call<Integration>('PATCH /api/v2/integrations/{id}', 'PATCH', `/api/v2/integrations/${enc(id)}`, {
        intendedState: state,
      }),
    close: () => agent.close(),
  };
}

/** A listing's nextUri is a path (or an absolute URL on the API host): the path and query part. */
function pathOf(uri: string): string {
  if (uri.startsWith('/')) return uri;
  const u = new URL(uri);
  return `${u.pathname}${u.search}`;
}
