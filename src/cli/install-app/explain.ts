/**
 * Genesys's refusals during `genesys install-app`, as errors an admin can act on: which credential, which
 * permission the admin's OAuth client's role likely lacks.
 */
import { GenesysApiError } from '../../genesys';
import { CliError } from '../errors';

/** The permission each call needs (Genesys Cloud permission names, domain:entity:action). */
const PERMISSIONS: Record<string, string> = {
  'GET /api/v2/oauth/clients': 'oauth:client:view',
  'POST /api/v2/oauth/clients': 'oauth:client:add',
  'PUT /api/v2/oauth/clients/{id}': 'oauth:client:edit',
  'GET /api/v2/integrations': 'integrations:integration:view',
  'POST /api/v2/integrations': 'integrations:integration:add',
  'GET /api/v2/integrations/{id}/config/current': 'integrations:integration:view',
  'PUT /api/v2/integrations/{id}/config/current': 'integrations:integration:edit',
  'PATCH /api/v2/integrations/{id}': 'integrations:integration:edit',
};

export const ALL_PERMISSIONS = [...new Set(Object.values(PERMISSIONS))].sort();

const ROLE_HINT = `the admin's OAuth client (GENESYS_CLIENT_ID, grant Client Credentials) needs a role with ${ALL_PERMISSIONS.join(', ')}`;

/** The call a GenesysApiError is about: its message starts with the operation. */
const operationOf = (err: GenesysApiError) =>
  Object.keys(PERMISSIONS).find((op) => err.message.startsWith(`${op}:`)) ??
  (err.message.startsWith('POST /oauth/token') ? 'POST /oauth/token' : undefined);

/** A CliError for a Genesys failure; anything else is returned as it is. */
export function explainGenesysError(err: unknown, apiBase: string): unknown {
  if (!(err instanceof GenesysApiError)) return err;
  const op = operationOf(err);
  const detail = [`Genesys said: ${err.message}`];
  switch (err.kind) {
    case 'invalid_client':
      return new CliError(
        `Genesys refused the admin credentials (HTTP ${err.status} invalid_client at ${op ?? 'the token endpoint'})`,
        [
          'check GENESYS_CLIENT_ID and GENESYS_CLIENT_SECRET (a Client Credentials OAuth client)',
          "and that GENESYS_REGION is the org's region: an OAuth client exists in one region only",
        ],
      );
    case 'unauthorized':
      return new CliError(
        `Genesys refused the access token for ${op ?? 'a call'} (HTTP 401), even a fresh one`,
        [
          'check that GENESYS_REGION (or GENESYS_API_BASE/GENESYS_LOGIN_BASE) is the org the client belongs to',
          ROLE_HINT,
          ...detail,
        ],
      );
    case 'forbidden': {
      const permission = op ? PERMISSIONS[op] : undefined;
      return new CliError(
        `Genesys refused ${op ?? 'a call'} (HTTP 403): the admin's OAuth client likely lacks ${permission ? `the permission ${permission}` : 'a permission'}`,
        [ROLE_HINT, ...detail],
      );
    }
    case 'conflict':
      return new CliError(
        `${op ?? 'a call'}: HTTP 409, someone changed the configuration at the same time: run the command again`,
        detail,
      );
    case 'network':
    case 'timeout':
      return new CliError(`cannot reach Genesys at ${apiBase}: ${err.message}`, [
        'check GENESYS_REGION (or GENESYS_API_BASE/GENESYS_LOGIN_BASE) and the network',
      ]);
    default:
      return new CliError(err.message);
  }
}
