/**
 * The signed-in agent of the login host: a real Genesys desktop user is already signed in there, so the
 * desktop shell sets this cookie (on the emulator's origin, path /oauth) and GET /oauth/authorize without a
 * login_hint signs that agent in without a prompt. It names the agent in clear: this is an emulator.
 */
import type http from 'node:http';

export const AGENT_COOKIE = 'emulator_agent';

/** HttpOnly, SameSite=Lax (sent on same-site frame and top-level navigations), session-long, path /oauth. */
export function agentCookie(userId: string): string {
  return `${AGENT_COOKIE}=${encodeURIComponent(userId)}; Path=/oauth; HttpOnly; SameSite=Lax`;
}

/** The agent the request's cookie names, or null. */
export function agentFromCookie(headers: http.IncomingHttpHeaders): string | null {
  const header = headers.cookie;
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== AGENT_COOKIE) continue;
    try {
      const v = decodeURIComponent(part.slice(eq + 1).trim());
      return v || null;
    } catch {
      return null;
    }
  }
  return null;
}
