/**
 * What `genesys install-app` wants on the org, from its options: the agent app's PKCE OAuth client and its Client
 * App integration's configuration (AGENT-APP.md, Registration; the Client App SDK's README for the config body).
 */
import type { OAuthClientRequest } from '../../genesys';
import { UsageError } from '../errors';

/** The iframe sandbox the Client App SDK's README shows for its own example app. */
export const SANDBOX =
  'allow-forms,allow-modals,allow-popups,allow-presentation,allow-same-origin,allow-scripts,allow-downloads';

/**
 * The agent app's OAuth scopes: the page only calls GET /api/v2/users/me (the service checks the token with it).
 * `users:readonly` is the read-only users scope; a narrower one for users/me alone is not verified (README).
 */
export const APP_SCOPES = ['users:readonly'];

/**
 * Lifecycle hooks keep the app loaded once the agent opened it, and let it tidy up on stop
 * (AGENT-APP.md; the Client App SDK's README for the shape).
 */
export const LIFECYCLE = { ephemeral: false, hooks: { bootstrap: true, stop: true } };

export const DISPLAY_TYPES = ['standalone', 'widget'] as const;
export type DisplayType = (typeof DISPLAY_TYPES)[number];

/** The placeholders Genesys fills in the app URL; the SDK reads the first two (the others are not verified). */
const APP_QUERY =
  'gcHostOrigin={{gcHostOrigin}}&gcTargetEnv={{gcTargetEnv}}&gcLangTag={{gcLangTag}}&gcUseDarkTheme={{gcUseDarkTheme}}';

export interface Wanted {
  /** The name of both the OAuth client and the integration: how a second run finds them. */
  name: string;
  publicUrl: string;
  /** `{public-url}/agent-app/`: the page, and the OAuth client's redirect URI. */
  redirectUri: string;
  /** The redirect URI with the gc* placeholders: the integration's `properties.url`. */
  appUrl: string;
  client: OAuthClientRequest;
  displayType: DisplayType;
  /** Group ids that see the app; undefined: leave an existing integration's groups as they are (new: none). */
  groups?: string[];
}

export interface WantedOptions {
  publicUrl: string;
  name: string;
  displayType: DisplayType;
  groups?: string[];
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/** The service's public base URL: https (http only on a loopback address), no query, fragment or credentials. */
export function parsePublicUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new UsageError(`--public-url: '${raw}' is not a URL (e.g. https://alerts.example.com)`);
  }
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && LOOPBACK.test(u.hostname)))
    throw new UsageError(
      `--public-url: '${raw}' must be https (http only on a loopback address): Genesys frames the app in an https page`,
    );
  if (u.search || u.hash || u.username || u.password)
    throw new UsageError(`--public-url: '${raw}' must not carry a query, a fragment or credentials`);
  return `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
}

export function wantedFrom(opts: WantedOptions): Wanted {
  const name = opts.name.trim();
  if (!name) throw new UsageError('--name must not be empty');
  const publicUrl = parsePublicUrl(opts.publicUrl);
  const redirectUri = `${publicUrl}/agent-app/`;
  const groups = opts.groups?.map((g) => g.trim()).filter(Boolean);
  return {
    name,
    publicUrl,
    redirectUri,
    appUrl: `${redirectUri}?${APP_QUERY}`,
    client: {
      name,
      description:
        'Agent sign-in (PKCE) of the desktop-alerts agent app; made by desktop-alerts genesys install-app',
      authorizedGrantType: 'CODE',
      registeredRedirectUri: [redirectUri],
      scope: APP_SCOPES,
    },
    displayType: opts.displayType,
    ...(groups ? { groups: [...new Set(groups)] } : {}),
  };
}

/** The integration's `properties` this command owns (others an admin set are kept). */
export function wantedProperties(w: Wanted, existingGroups: unknown): Record<string, unknown> {
  return {
    url: w.appUrl,
    displayType: w.displayType,
    sandbox: SANDBOX,
    groups: w.groups ?? (Array.isArray(existingGroups) ? existingGroups : []),
  };
}
