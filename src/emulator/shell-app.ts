/**
 * Which Client App the desktop shell frames, and with which URL: the first enabled `embedded-client-app`
 * integration with a `properties.url`, else the `agentAppUrl` start option (with `agentAppLifecycle`); the
 * `{{gc…}}` placeholders are filled the way Genesys fills them for an app it hosts.
 */
import type { EmulatorCore } from './core';
import type { EmulatorIntegration } from './types';

/**
 * The Client App SDK 2.6.10 (`lookupGcEnv` in utils/env.ts) accepts only a known environment name (the
 * `prod*`/`fedramp*` names of genesys-cloud-service-discovery-web; its dev names are compiled out of the
 * published build) and, for a host on localhost or 127.0.0.1, posts to that host's own origin. 'prod' (the
 * us-east-1 environment) is the one name every SDK build knows, so a custom 'emulator' name would make
 * `new ClientApp({gcTargetEnvQueryParam})` throw.
 */
export const SHELL_TARGET_ENV = 'prod';
export const DEFAULT_LANG_TAG = 'en-us';
const LANG_TAG = /^[a-z]{2,3}(-[a-z0-9]{2,8}){0,3}$/;

export interface ShellParams {
  gcHostOrigin: string;
  gcTargetEnv: string;
  gcLangTag: string;
  gcUseDarkTheme: boolean;
}

export interface LifecycleConfig {
  ephemeral: boolean;
  hooks: { bootstrap: boolean; focus: boolean; blur: boolean; stop: boolean };
}

export interface ShellApp {
  source: 'integration' | 'option';
  integrationId: string | null;
  name: string;
  /** The template with its placeholders filled. */
  url: string;
  origin: string;
  /** The iframe's sandbox attribute (the config's comma list as space-separated tokens); null = none. */
  sandbox: string | null;
  displayType: string;
  lifecycle: LifecycleConfig;
}

export type ShellAppResult = { app: ShellApp; problem: null } | { app: null; problem: string | null };

/** `?lang=` (a BCP 47-like tag, lower-cased; default en-us) and `?dark=` (true/1; default false). */
export function shellParams(q: URLSearchParams, hostOrigin: string): ShellParams {
  const lang = (q.get('lang') ?? '').toLowerCase();
  const dark = (q.get('dark') ?? '').toLowerCase();
  return {
    gcHostOrigin: hostOrigin,
    gcTargetEnv: SHELL_TARGET_ENV,
    gcLangTag: LANG_TAG.test(lang) ? lang : DEFAULT_LANG_TAG,
    gcUseDarkTheme: dark === 'true' || dark === '1',
  };
}

/** Every `{{name}}` of a known parameter replaced by its URL-encoded value; unknown ones are left as they are. */
export function fillTemplate(template: string, p: ShellParams): string {
  const values: Record<string, string> = {
    gcHostOrigin: p.gcHostOrigin,
    gcTargetEnv: p.gcTargetEnv,
    gcLangTag: p.gcLangTag,
    gcUseDarkTheme: String(p.gcUseDarkTheme),
  };
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (m, name: string) =>
    name in values ? encodeURIComponent(values[name]!) : m,
  );
}

const obj = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

function lifecycleOf(advanced: Record<string, unknown>): LifecycleConfig {
  const lc = obj(advanced.lifecycle);
  const hooks = obj(lc.hooks);
  return {
    ephemeral: lc.ephemeral === true,
    hooks: {
      bootstrap: hooks.bootstrap === true,
      focus: hooks.focus === true,
      blur: hooks.blur === true,
      stop: hooks.stop === true,
    },
  };
}

function enabledApp(core: EmulatorCore): EmulatorIntegration | undefined {
  return core.registrations
    .listIntegrations({ integrationType: 'embedded-client-app' })
    .find((i) => i.intendedState === 'ENABLED' && typeof i.config.current.properties.url === 'string');
}

/** The app to frame, or why there is none (problem null: nothing installed). */
export function resolveShellApp(core: EmulatorCore, params: ShellParams): ShellAppResult {
  const integration = enabledApp(core);
  const template = integration
    ? (integration.config.current.properties.url as string)
    : core.agentAppUrlOption();
  if (!template) return { app: null, problem: null };
  const url = fillTemplate(template, params);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { app: null, problem: `The Client App URL is not a URL: ${url}` };
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    return { app: null, problem: `The Client App URL must be http(s): ${url}` };
  const props = integration?.config.current.properties ?? {};
  const sandbox = typeof props.sandbox === 'string' ? props.sandbox.split(/[\s,]+/).filter(Boolean) : null;
  return {
    problem: null,
    app: {
      source: integration ? 'integration' : 'option',
      integrationId: integration?.id ?? null,
      name: integration?.name ?? 'Client App',
      url: parsed.toString(),
      origin: parsed.origin,
      sandbox: sandbox ? sandbox.join(' ') : null,
      displayType: typeof props.displayType === 'string' ? props.displayType : 'standalone',
      // The option's app gets the lifecycle it is registered with, read as an integration's would be.
      lifecycle: lifecycleOf(
        integration ? integration.config.current.advanced : { lifecycle: core.agentAppLifecycleOption() },
      ),
    },
  };
}
