/** Helpers for the desktop shell's tests: register a Client App, read the shell's settings from its page. */
import type { Loose, Res } from './helpers';

export const APP_TEMPLATE =
  '?gcHostOrigin={{gcHostOrigin}}&gcTargetEnv={{gcTargetEnv}}&gcLangTag={{gcLangTag}}&gcUseDarkTheme={{gcUseDarkTheme}}';

type Api = (method: string, path: string, json?: unknown) => Promise<Res<Loose>>;

/** POST /api/v2/integrations, PUT its config, PATCH it ENABLED (unless enable is false). */
export async function registerClientApp(
  api: Api,
  opts: { name?: string; url: string; sandbox?: string; advanced?: unknown; enable?: boolean },
): Promise<string> {
  const name = opts.name ?? 'Desktop Alerts';
  const created = await api('POST', '/api/v2/integrations', {
    name,
    integrationType: { id: 'embedded-client-app' },
  });
  if (created.status !== 200) throw new Error(`integration: ${created.status}`);
  const id = created.body.id as string;
  const put = await api('PUT', `/api/v2/integrations/${id}/config/current`, {
    name,
    version: 1,
    properties: {
      url: opts.url,
      displayType: 'standalone',
      ...(opts.sandbox !== undefined ? { sandbox: opts.sandbox } : {}),
    },
    advanced: opts.advanced ?? {},
  });
  if (put.status !== 200) throw new Error(`config: ${put.status} ${JSON.stringify(put.body)}`);
  if (opts.enable !== false) await api('PATCH', `/api/v2/integrations/${id}`, { intendedState: 'ENABLED' });
  return id;
}

/** The #shell-config data block of a /desktop answer. */
export function shellConfigOf(html: string): Loose {
  const m = /<script type="application\/json" id="shell-config">([\s\S]*?)<\/script>/.exec(html);
  if (!m) throw new Error('no shell-config block');
  return JSON.parse(m[1]!);
}
