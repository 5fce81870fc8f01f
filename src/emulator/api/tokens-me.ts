/**
 * GET /api/v2/tokens/me: what the token is. The platform SDK's browser build calls it after every new token
 * (loginPKCEGrant, loginImplicitGrant) and drops the token when it fails. Shape: the SDK's `TokenInfo`
 * (`purecloud-platform-client-v2` index.d.ts): `organization`, `homeOrganization` (NamedEntity), `authorizedScope`,
 * `clonedUser` (only for a cloned user: never here), `dateTokenIdles` (not sent), `OAuthClient` (OrgOAuthClient:
 * `id, name, authorizedGrantType, scope, state, organization, dateCreated?, dateModified?`).
 * Not verified against the platform: the values (the emulator has one organization; `authorizedScope` is the
 * client's `scope`, `[]` for the seeded clients), and which OrgOAuthClient fields the real answer fills in.
 * No or bad token: 401 from the pipeline's auth step, like every API call.
 */
import type { EmulatorCore } from '../core';
import type { Ctx, Reply } from '../http-reply';

/** The emulator's one organization. */
export const EMULATOR_ORG = { id: '6d5b5f3e-0e8c-4b7e-9a51-e0e1a7000001', name: 'Emulator Org' };

const GRANT_NAMES = { authorization_code: 'CODE', client_credentials: 'CLIENT-CREDENTIALS' } as const;

export function tokensMe(core: EmulatorCore, ctx: Ctx): Reply {
  const clientId = ctx.clientId ?? '';
  const registered = core.registrations.getClient(clientId);
  const grant = core.tokens.clientGrant(clientId) ?? 'client_credentials';
  const scope = registered?.scope ?? [];
  return {
    status: 200,
    body: {
      organization: { ...EMULATOR_ORG },
      homeOrganization: { ...EMULATOR_ORG },
      authorizedScope: [...scope],
      OAuthClient: {
        id: clientId,
        name: registered?.name ?? clientId,
        authorizedGrantType: registered?.authorizedGrantType ?? GRANT_NAMES[grant],
        scope: [...scope],
        state: 'active',
        organization: { ...EMULATOR_ORG },
        ...(registered ? { dateCreated: registered.dateCreated, dateModified: registered.dateModified } : {}),
      },
    },
  };
}
