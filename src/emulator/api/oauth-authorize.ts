/**
 * GET /oauth/authorize: the login host's side of the authorization code grant with PKCE (S256 only).
 * A client or redirect URI that cannot be trusted gets a 400 page and never a redirect; other errors
 * redirect with `error` and `state` (RFC 6749 4.1.2.1). `login_hint` naming one active user (id or
 * email) signs that user in at once; so does, without a hint, the agent whose desktop shell set the login
 * cookie (a Genesys desktop user is already signed in at the login host); otherwise a page lists the active
 * users to pick from. Its pages may be framed by the shell and by the Client App the shell hosts.
 */
import { agentFromCookie } from '../agent-cookie';
import type { EmulatorCore } from '../core';
import type { Ctx, Reply } from '../http-reply';
import { resolveShellApp, shellParams } from '../shell-app';
import { shellOrigin } from '../shell-page';
import type { EmulatorUser } from '../types';

/**
 * A login page: no scripts, no styles from elsewhere. Framed only by the emulator's own pages (the desktop
 * shell, when the app navigates its frame here) and the hosted Client App (when it frames the login itself).
 */
function pageHeaders(core: EmulatorCore, ctx: Ctx): Record<string, string> {
  const self = shellOrigin(ctx.headers.host, 'http://127.0.0.1');
  const { app } = resolveShellApp(core, shellParams(new URLSearchParams(), self));
  const ancestors = ["'self'", ...(app ? [app.origin] : [])].join(' ');
  return {
    'content-security-policy': `default-src 'none'; style-src 'unsafe-inline'; frame-ancestors ${ancestors}`,
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-store',
  };
}

/** RFC 7636 4.2: BASE64URL of a SHA-256 is 43 characters. */
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(status: number, title: string, bodyHtml: string, headers: Record<string, string>): Reply {
  return {
    status,
    html:
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>` +
      `<body><h1>${escapeHtml(title)}</h1>${bodyHtml}</body></html>`,
    headers,
  };
}

function badRequestPage(message: string, headers: Record<string, string>): Reply {
  return page(400, 'Sign-in request refused', `<p>${escapeHtml(message)}</p>`, headers);
}

/** redirect_uri with these parameters added (its own query kept). */
function redirect(redirectUri: string, params: Record<string, string | null>): Reply {
  const u = new URL(redirectUri);
  for (const [k, v] of Object.entries(params)) if (v !== null) u.searchParams.set(k, v);
  return { status: 302, headers: { location: u.toString(), 'cache-control': 'no-store' } };
}

/** The active users a hint names: by id, else by email (case-insensitive); all active users without one. */
function candidates(core: EmulatorCore, hint: string | null): EmulatorUser[] {
  const active = core.users.list().filter((u) => u.state === 'active');
  if (!hint) return active;
  const byId = active.filter((u) => u.id === hint);
  if (byId.length > 0) return byId;
  const byEmail = active.filter((u) => u.email.toLowerCase() === hint.toLowerCase());
  return byEmail.length > 0 ? byEmail : active;
}

export function oauthAuthorize(core: EmulatorCore, ctx: Ctx): Reply {
  const q = ctx.query;
  const headers = pageHeaders(core, ctx);
  const clientId = q.get('client_id');
  const redirectUri = q.get('redirect_uri');
  if (!clientId || !core.tokens.isCodeClient(clientId))
    return badRequestPage(
      'Unknown client_id, or the client may not use the authorization code grant.',
      headers,
    );
  ctx.clientId = clientId;
  if (!redirectUri || !core.tokens.redirectAllowed(clientId, redirectUri))
    return badRequestPage('redirect_uri is missing or not registered for this client.', headers);

  const state = q.get('state');
  const fail = (error: string, description: string) =>
    redirect(redirectUri, { error, error_description: description, state });
  const responseType = q.get('response_type');
  if (!responseType) return fail('invalid_request', 'response_type is required');
  if (responseType !== 'code')
    return fail('unsupported_response_type', 'only response_type=code is supported');
  if (q.get('code_challenge_method') !== 'S256')
    return fail('invalid_request', 'code_challenge_method must be S256 (plain is not accepted)');
  const challenge = q.get('code_challenge');
  if (!challenge || !S256_CHALLENGE.test(challenge))
    return fail('invalid_request', 'code_challenge must be the 43-character BASE64URL of a SHA-256');

  const signIn = (userId: string) =>
    redirect(redirectUri, {
      code: core.codes.issue({ clientId, redirectUri, codeChallenge: challenge, userId }),
      state,
    });
  const hint = q.get('login_hint');
  // Already signed in (the desktop shell's cookie): no prompt, as on a real Genesys desktop.
  const signedIn = hint ? null : agentFromCookie(ctx.headers);
  if (signedIn && core.users.get(signedIn)?.state === 'active') return signIn(signedIn);
  const users = candidates(core, hint);
  if (users.length === 1 && hint) return signIn(users[0]!.id);
  // The emulator's "pick a demo agent": each link is this request again with the agent as login_hint.
  const items = users.map((u) => {
    const again = new URLSearchParams(q);
    again.set('login_hint', u.id);
    return (
      `<li><a href="/oauth/authorize?${escapeHtml(again.toString())}">${escapeHtml(u.name)}</a>` +
      ` &lt;${escapeHtml(u.email)}&gt; (${escapeHtml(u.id)})</li>`
    );
  });
  return page(
    200,
    'Sign in as a demo agent',
    items.length > 0 ? `<ul>${items.join('')}</ul>` : '<p>No active users.</p>',
    headers,
  );
}
