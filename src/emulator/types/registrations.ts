/**
 * What an installer registered through the Platform API (POST /api/v2/oauth/clients, /api/v2/integrations),
 * in the shapes of the SDK's OAuthClient, Integration and IntegrationConfiguration models.
 */

/** Grant types of OAuthClientRequest.authorizedGrantType. */
export type OAuthGrantType = 'CODE' | 'TOKEN' | 'CLIENT-CREDENTIALS' | 'SAML2-BEARER' | 'PASSWORD';

export interface EmulatorRoleDivision {
  roleId: string;
  divisionId: string;
}

/** An OAuth client created by POST /api/v2/oauth/clients (the SDK's OAuthClient). */
export interface EmulatorOAuthClient {
  id: string;
  name: string;
  description?: string;
  authorizedGrantType: OAuthGrantType;
  registeredRedirectUri: string[];
  accessTokenValiditySeconds: number;
  /** CODE and CLIENT-CREDENTIALS clients only. The API shows it in the create answer only. */
  secret?: string;
  roleIds: string[];
  scope: string[];
  roleDivisions: EmulatorRoleDivision[];
  state: 'active';
  dateCreated: string;
  dateModified: string;
  selfUri: string;
}

/** The SDK's IntegrationConfiguration (`GET|PUT /api/v2/integrations/{id}/config/current`). */
export interface EmulatorIntegrationConfig {
  id: string;
  name: string;
  /** Starts at 1; every accepted PUT adds one. A PUT must send the current one. */
  version: number;
  properties: Record<string, unknown>;
  advanced: Record<string, unknown>;
  notes: string;
  credentials: Record<string, unknown>;
  selfUri: string;
}

export interface EmulatorIntegrationType {
  id: string;
  name: string;
  description: string;
  provider: string;
  category: string;
  selfUri: string;
}

/** An integration created by POST /api/v2/integrations (the SDK's Integration), with its current config. */
export interface EmulatorIntegration {
  id: string;
  name: string;
  integrationType: EmulatorIntegrationType;
  notes: string;
  intendedState: 'ENABLED' | 'DISABLED';
  reportedState: { code: 'ACTIVE' | 'INACTIVE'; effective: string; lastUpdated: string };
  attributes: Record<string, string>;
  config: { current: EmulatorIntegrationConfig };
  selfUri: string;
}
