/**
 * POST /oauth/token: the client credentials grant, with credentials by HTTP Basic or form fields (not
 * both), and the authorization code grant with PKCE (a public client's code and code_verifier for a
 * user token), answering OAuth-shaped errors ({error, description, error_description}).
 */
import type { EmulatorCore } from '../core';
import type { Ctx, Reply } from '../http-reply';

function oauthError(
  status: number,
  error: string,
  description: string,
  headers?: Record<string, string>,
): Reply {
  return { status, body: { error, description, error_description: description }, headers };
}

/** 401 invalid_client for Basic credentials, with the challenge. */
function basicRejected(description: string): Reply {
  return oauthError(401, 'invalid_client', description, { 'www-authenticate': 'Basic realm="oauth"' });
}

/** RFC 7636 4.1: 43..128 unreserved characters. */
const VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;

function tokenReply(token: string, expiresIn: number): Reply {
  return {
    status: 200,
    body: { access_token: token, token_type: 'bearer', expires_in: expiresIn },
    headers: { 'cache-control': 'no-store', pragma: 'no-cache' },
  };
}

/** The code of GET /oauth/authorize for a user token: single use, same client and redirect_uri, S256. */
function authorizationCodeGrant(core: EmulatorCore, ctx: Ctx, form: URLSearchParams): Reply {
  for (const name of ['code', 'redirect_uri', 'client_id', 'code_verifier']) {
    if (!form.get(name)) return oauthError(400, 'invalid_request', `${name} is required`);
  }
  const clientId = form.get('client_id')!;
  if (!core.tokens.isCodeClient(clientId))
    return oauthError(400, 'invalid_client', 'unknown client, or not an authorization_code client');
  ctx.clientId = clientId;
  const verifier = form.get('code_verifier')!;
  if (!VERIFIER.test(verifier))
    return oauthError(400, 'invalid_request', 'code_verifier must be 43 to 128 unreserved characters');
  const r = core.codes.redeem(form.get('code')!, clientId, form.get('redirect_uri')!, verifier);
  if (!r.ok) return oauthError(400, 'invalid_grant', r.message);
  if (core.users.rec(r.userId)?.state !== 'active') {
    core.codes.counters.codesRejected++;
    return oauthError(400, 'invalid_grant', 'the user is no longer active');
  }
  const { token, expiresIn } = core.tokens.issue(clientId, r.userId);
  return tokenReply(token, expiresIn);
}

export function oauthToken(core: EmulatorCore, ctx: Ctx): Reply {
  const ct = ctx.headers['content-type'];
  if (typeof ct !== 'string' || !/^application\/x-www-form-urlencoded\b/i.test(ct.trim())) {
    return oauthError(400, 'invalid_request', 'Content-Type must be application/x-www-form-urlencoded');
  }
  const form = new URLSearchParams(ctx.raw.toString('utf8'));
  if (form.get('grant_type') === 'authorization_code') return authorizationCodeGrant(core, ctx, form);
  let basic: { id: string; secret: string } | null = null;
  const auth = ctx.headers.authorization;
  if (typeof auth === 'string' && /^Basic\s+/i.test(auth)) {
    const decoded = Buffer.from(auth.replace(/^Basic\s+/i, '').trim(), 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    if (i < 0) return basicRejected('Malformed Basic credentials');
    basic = { id: decodeURIComponent(decoded.slice(0, i)), secret: decodeURIComponent(decoded.slice(i + 1)) };
  }
  const formId = form.get('client_id');
  const formSecret = form.get('client_secret');
  if (basic && formSecret !== null)
    return oauthError(400, 'invalid_request', 'Use one client authentication method, not both');
  const grant = form.get('grant_type');
  if (!grant) return oauthError(400, 'invalid_request', 'grant_type is required');
  if (grant !== 'client_credentials')
    return oauthError(400, 'unsupported_grant_type', `Unsupported grant type: ${grant}`);
  if (basic) {
    if (!core.tokens.checkClient(basic.id, basic.secret))
      return basicRejected('client authentication failed');
    ctx.clientId = basic.id;
  } else {
    if (!formId || !formSecret)
      return oauthError(
        400,
        'invalid_client',
        'client credentials are required (HTTP Basic or client_id/client_secret)',
      );
    if (!core.tokens.checkClient(formId, formSecret))
      return oauthError(400, 'invalid_client', 'client authentication failed');
    ctx.clientId = formId;
  }
  const { token, expiresIn } = core.tokens.issue(ctx.clientId);
  return tokenReply(token, expiresIn);
}
