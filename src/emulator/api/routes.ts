/** The Genesys API route table: path patterns, their names in the request log, and handlers by method. */
import type { EmulatorCore } from '../core';
import type { Ctx, Reply } from '../http-reply';
import { postNotification } from './notifications';
import { oauthToken } from './oauth';
import { oauthAuthorize } from './oauth-authorize';
import {
  getIntegration,
  getIntegrationConfig,
  getIntegrations,
  getOAuthClient,
  getOAuthClients,
  putOAuthClient,
  patchIntegration,
  postIntegration,
  postOAuthClient,
  putIntegrationConfig,
} from './registrations';
import { tokensMe } from './tokens-me';
import { usersSearch } from './user-search';
import { bulkPresence, getUser, routingStatus, usersMe } from './users';

export type ApiHandler = (core: EmulatorCore, ctx: Ctx, params: string[]) => Reply;

export interface Route {
  name: string;
  match: (path: string, core: EmulatorCore) => string[] | null;
  methods: Record<string, ApiHandler>;
}

export const TOKEN_ROUTE = '/oauth/token';
export const AUTHORIZE_ROUTE = '/oauth/authorize';
/** The login host's routes: no bearer token, no rate limit. */
export const LOGIN_ROUTES: ReadonlySet<string> = new Set([TOKEN_ROUTE, AUTHORIZE_ROUTE]);
/** The notifications endpoint's path is configurable (notificationsPath). */
const NOTIFICATIONS_ROUTE = '{notificationsPath}';

const re = (r: RegExp) => (path: string) => {
  const m = r.exec(path);
  return m ? m.slice(1).map((s) => decodeURIComponent(s)) : null;
};

const routes: Route[] = [
  { name: TOKEN_ROUTE, match: re(/^\/oauth\/token$/), methods: { POST: (c, x) => oauthToken(c, x) } },
  {
    name: AUTHORIZE_ROUTE,
    match: re(/^\/oauth\/authorize$/),
    methods: { GET: (c, x) => oauthAuthorize(c, x) },
  },
  {
    name: '/api/v2/tokens/me',
    match: re(/^\/api\/v2\/tokens\/me$/),
    methods: { GET: (c, x) => tokensMe(c, x) },
  },
  {
    name: '/api/v2/users/me',
    match: re(/^\/api\/v2\/users\/me$/),
    methods: { GET: (c, x) => usersMe(c, x) },
  },
  {
    name: '/api/v2/users/search',
    match: re(/^\/api\/v2\/users\/search$/),
    methods: { POST: (c, x) => usersSearch(c, x) },
  },
  {
    name: '/api/v2/users/presences/purecloud/bulk',
    match: re(/^\/api\/v2\/users\/presences\/purecloud\/bulk$/),
    methods: { GET: (c, x) => bulkPresence(c, x) },
  },
  {
    name: '/api/v2/users/{userId}/routingstatus',
    match: re(/^\/api\/v2\/users\/([^/]+)\/routingstatus$/),
    methods: { GET: (c, _x, p) => routingStatus(c, p[0]!) },
  },
  {
    name: '/api/v2/users/{userId}',
    match: re(/^\/api\/v2\/users\/([^/]+)$/),
    methods: { GET: (c, x, p) => getUser(c, x, p[0]!) },
  },
  {
    name: '/api/v2/oauth/clients',
    match: re(/^\/api\/v2\/oauth\/clients$/),
    methods: { GET: (c, x) => getOAuthClients(c, x), POST: (c, x) => postOAuthClient(c, x) },
  },
  {
    name: '/api/v2/oauth/clients/{clientId}',
    match: re(/^\/api\/v2\/oauth\/clients\/([^/]+)$/),
    methods: {
      GET: (c, x, p) => getOAuthClient(c, x, p[0]!),
      PUT: (c, x, p) => putOAuthClient(c, x, p[0]!),
    },
  },
  {
    name: '/api/v2/integrations',
    match: re(/^\/api\/v2\/integrations$/),
    methods: { GET: (c, x) => getIntegrations(c, x), POST: (c, x) => postIntegration(c, x) },
  },
  {
    name: '/api/v2/integrations/{integrationId}',
    match: re(/^\/api\/v2\/integrations\/([^/]+)$/),
    methods: {
      GET: (c, x, p) => getIntegration(c, x, p[0]!),
      PATCH: (c, x, p) => patchIntegration(c, x, p[0]!),
    },
  },
  {
    name: '/api/v2/integrations/{integrationId}/config/current',
    match: re(/^\/api\/v2\/integrations\/([^/]+)\/config\/current$/),
    methods: {
      GET: (c, x, p) => getIntegrationConfig(c, x, p[0]!),
      PUT: (c, x, p) => putIntegrationConfig(c, x, p[0]!),
    },
  },
  {
    name: NOTIFICATIONS_ROUTE,
    match: (path, core) => (path === core.config.current.notificationsPath ? [] : null),
    methods: { POST: (c, x) => postNotification(c, x) },
  },
];

export interface RouteMatch {
  route: Route;
  /** Decoded path parameters. */
  params: string[];
}

/** The first route whose pattern matches; throws URIError on a malformed escape in a parameter. */
export function findRoute(path: string, core: EmulatorCore): RouteMatch | null {
  for (const route of routes) {
    const params = route.match(path, core);
    if (params) return { route, params };
  }
  return null;
}

/** The route's name in the request log, e.g. 'GET /api/v2/users/{userId}'. */
export function routeName(
  method: string,
  path: string,
  match: RouteMatch | null,
  core: EmulatorCore,
): string {
  if (!match) return `${method} ${path.startsWith('/api/') ? '(unknown)' : path}`;
  const name = match.route.name;
  return `${method} ${name === NOTIFICATIONS_ROUTE ? core.config.current.notificationsPath : name}`;
}
