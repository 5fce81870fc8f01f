/**
 * What installers registered on the org through the Platform API: OAuth clients (a CODE client becomes a
 * PKCE client of the token store, a CLIENT-CREDENTIALS client a confidential one) and Client App
 * integrations with their versioned current configuration. Cleared by reset().
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { CLIENT_APP_TYPE, type ValidClientRequest, type ValidConfigPut } from './registration-checks';
import type { TokenStore } from './tokens';
import type {
  EmulatorIntegration,
  EmulatorIntegrationConfig,
  EmulatorIntegrationType,
  EmulatorOAuthClient,
} from './types';

const CLIENT_APP: Omit<EmulatorIntegrationType, 'selfUri'> = {
  id: CLIENT_APP_TYPE,
  name: 'Client Application',
  description: 'Embeds third-party webapps via iframe in the Genesys Cloud UI.',
  provider: 'clientapps',
  category: 'Client Apps',
};

export type ConfigPutResult =
  | { ok: true; config: EmulatorIntegrationConfig }
  | { ok: false; reason: 'not-found' }
  | { ok: false; reason: 'stale'; current: number };

export class RegistrationStore {
  private clients = new Map<string, EmulatorOAuthClient>();
  private integrations = new Map<string, EmulatorIntegration>();

  constructor(private readonly tokens: TokenStore) {}

  /** Forgets everything (the token store forgets the clients by its own reset). */
  reset(): void {
    this.clients.clear();
    this.integrations.clear();
  }

  /**
   * A new client. CODE (PKCE: the emulator does not check its secret at the token endpoint) and
   * CLIENT-CREDENTIALS clients get a secret and can get tokens at once; other grants are only stored.
   */
  createClient(req: ValidClientRequest): EmulatorOAuthClient {
    const id = randomUUID();
    const now = new Date().toISOString();
    const confidential =
      req.authorizedGrantType === 'CODE' || req.authorizedGrantType === 'CLIENT-CREDENTIALS';
    const client: EmulatorOAuthClient = {
      id,
      ...req,
      ...(confidential ? { secret: randomBytes(32).toString('base64url') } : {}),
      state: 'active',
      dateCreated: now,
      dateModified: now,
      selfUri: `/api/v2/oauth/clients/${id}`,
    };
    if (req.authorizedGrantType === 'CODE')
      this.tokens.addClient({
        clientId: id,
        grant: 'authorization_code',
        redirectUris: req.registeredRedirectUri,
        tokenLifetimeSeconds: req.accessTokenValiditySeconds,
      });
    else if (req.authorizedGrantType === 'CLIENT-CREDENTIALS')
      this.tokens.addClient({
        clientId: id,
        clientSecret: client.secret!,
        tokenLifetimeSeconds: req.accessTokenValiditySeconds,
      });
    this.clients.set(id, client);
    return structuredClone(client);
  }

  /**
   * PUT /api/v2/oauth/clients/{id}: the request replaces the client's settings; its id, secret and creation date
   * stay. The token store learns the new redirect URIs and lifetime at once. Undefined for an unknown id.
   */
  updateClient(id: string, req: ValidClientRequest): EmulatorOAuthClient | undefined {
    const old = this.clients.get(id);
    if (!old) return undefined;
    const { secret, dateCreated } = old;
    const client: EmulatorOAuthClient = {
      id,
      ...req,
      ...(secret !== undefined ? { secret } : {}),
      state: 'active',
      dateCreated,
      dateModified: new Date().toISOString(),
      selfUri: old.selfUri,
    };
    if (req.authorizedGrantType === 'CODE')
      this.tokens.addClient({
        clientId: id,
        grant: 'authorization_code',
        redirectUris: req.registeredRedirectUri,
        tokenLifetimeSeconds: req.accessTokenValiditySeconds,
      });
    this.clients.set(id, client);
    return this.clientView(client, false);
  }

  /** Clients as the API lists them: without their secret. */
  listClients(opts: { withSecret?: boolean } = {}): EmulatorOAuthClient[] {
    return [...this.clients.values()].map((c) => this.clientView(c, opts.withSecret === true));
  }

  getClient(id: string, opts: { withSecret?: boolean } = {}): EmulatorOAuthClient | undefined {
    const c = this.clients.get(id);
    return c ? this.clientView(c, opts.withSecret === true) : undefined;
  }

  private clientView(c: EmulatorOAuthClient, withSecret: boolean): EmulatorOAuthClient {
    const copy = structuredClone(c);
    if (!withSecret) delete copy.secret;
    return copy;
  }

  createIntegration(name: string): EmulatorIntegration {
    const id = randomUUID();
    const now = new Date().toISOString();
    const integration: EmulatorIntegration = {
      id,
      name,
      integrationType: { ...CLIENT_APP, selfUri: `/api/v2/integrations/types/${CLIENT_APP_TYPE}` },
      notes: '',
      intendedState: 'DISABLED',
      reportedState: { code: 'INACTIVE', effective: 'Inactive', lastUpdated: now },
      attributes: {},
      config: {
        current: {
          id,
          name,
          version: 1,
          properties: {},
          advanced: {},
          notes: '',
          credentials: {},
          selfUri: `/api/v2/integrations/${id}/config/current`,
        },
      },
      selfUri: `/api/v2/integrations/${id}`,
    };
    this.integrations.set(id, integration);
    return structuredClone(integration);
  }

  listIntegrations(filter: { integrationType?: string; ids?: string[] } = {}): EmulatorIntegration[] {
    return [...this.integrations.values()]
      .filter((i) => filter.integrationType === undefined || i.integrationType.id === filter.integrationType)
      .filter((i) => filter.ids === undefined || filter.ids.includes(i.id))
      .map((i) => structuredClone(i));
  }

  getIntegration(id: string): EmulatorIntegration | undefined {
    const i = this.integrations.get(id);
    return i ? structuredClone(i) : undefined;
  }

  /** ENABLED shows as reported ACTIVE at once (the real platform takes a moment). */
  setIntendedState(id: string, state: 'ENABLED' | 'DISABLED'): EmulatorIntegration | undefined {
    const i = this.integrations.get(id);
    if (!i) return undefined;
    i.intendedState = state;
    const code = state === 'ENABLED' ? 'ACTIVE' : 'INACTIVE';
    i.reportedState = {
      code,
      effective: code === 'ACTIVE' ? 'Active' : 'Inactive',
      lastUpdated: new Date().toISOString(),
    };
    return structuredClone(i);
  }

  /** Replaces the current config when `version` is the current one; the version goes up by one. */
  putConfig(id: string, put: ValidConfigPut): ConfigPutResult {
    const i = this.integrations.get(id);
    if (!i) return { ok: false, reason: 'not-found' };
    const current = i.config.current;
    if (put.version !== current.version) return { ok: false, reason: 'stale', current: current.version };
    i.config.current = { ...current, ...structuredClone(put), version: current.version + 1 };
    i.name = put.name;
    return { ok: true, config: structuredClone(i.config.current) };
  }
}
