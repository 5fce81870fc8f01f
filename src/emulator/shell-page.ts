/**
 * What one answer of `GET /desktop?agent=&lang=&dark=` carries: the shell's settings (the agent, the
 * Client App and its filled URL), the origins its CSP may frame, and the login cookie naming the agent.
 */
import { agentCookie } from './agent-cookie';
import type { EmulatorCore } from './core';
import type { ShellPageOptions } from './desktop';
import { resolveShellApp, shellParams } from './shell-app';

/** A Host header that can be put back into an origin as is. */
const HOST = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/** The origin the browser sees the shell at (its Host header), else the emulator's listening address. */
export function shellOrigin(hostHeader: string | undefined, fallback: string): string {
  return hostHeader && HOST.test(hostHeader) ? `http://${hostHeader}` : fallback;
}

export function shellPage(
  core: EmulatorCore,
  query: URLSearchParams,
  hostHeader: string | undefined,
  fallbackOrigin: string,
): ShellPageOptions {
  const agentId = query.get('agent') ?? '';
  const params = shellParams(query, shellOrigin(hostHeader, fallbackOrigin));
  const { app, problem } = resolveShellApp(core, params);
  const known = agentId !== '' && core.users.get(agentId) !== undefined;
  return {
    config: { agentId, params, app, problem },
    frameOrigins: app ? [app.origin] : [],
    setCookie: known ? agentCookie(agentId) : null,
  };
}
