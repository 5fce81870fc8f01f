/**
 * The agent app's page and its static files (README.md, "The wire protocol"): GET / (the page, under a strict
 * CSP), GET /assets/<file> (web/), GET /vendor/* (the two Genesys SDKs' browser builds, from node_modules, no
 * CDN) and GET /config (what the page needs to sign in and to talk to the host). Mounted at /agent-app.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Router, type Response } from 'express';

export interface AgentAppPageConfig {
  clientId?: string;
  region?: string;
  apiBase?: string;
  loginBase?: string;
  hostOrigins: string[];
  sessionTtlSeconds: number;
  heartbeatSeconds: number;
}

export interface AgentAppPageOptions {
  config: AgentAppPageConfig;
  /** The page's folder; default web/ next to this file (npm run build copies it to dist/agent-app/web). */
  webDir?: string;
}

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** A plain file name: no separators, no leading dot, so no way out of web/. */
const ASSET_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)+$/;

/** The origin of a URL, or null when it is not an absolute http(s) URL. */
function originOf(url: string | undefined): string | null {
  if (!url) return null;
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.origin : null;
  } catch {
    return null;
  }
}

/**
 * The page's CSP. connect-src: the service itself (fetch and the WebSocket: CSP3 browsers let 'self' cover
 * ws:/wss: of the same host) and the Genesys API and login hosts the platform client calls (the token
 * exchange and /api/v2/tokens/me): the bases, else the region's and those of each https://apps.<env> host
 * origin. frame-ancestors: only the Genesys host origins, 'none' when there are none.
 */
export function agentAppCsp(config: AgentAppPageConfig): string {
  const connect = new Set(["'self'"]);
  const api = originOf(config.apiBase);
  const login = originOf(config.loginBase);
  if (api) connect.add(api);
  if (login) connect.add(login);
  if (!api && config.region) connect.add(`https://api.${config.region}`);
  if (!login && config.region) connect.add(`https://login.${config.region}`);
  // Framed by a Genesys desktop of another region, the page signs in at that region (gcTargetEnv): its hosts too.
  if (!api && !login)
    for (const o of config.hostOrigins) {
      const m = /^https:\/\/apps\.([a-z0-9.-]+)$/.exec(originOf(o) ?? '');
      if (m) connect.add(`https://api.${m[1]}`).add(`https://login.${m[1]}`);
    }
  const ancestors = config.hostOrigins.map(originOf).filter((o): o is string => o !== null);
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `connect-src ${[...connect].join(' ')}`,
    "img-src 'self' data:",
    `frame-ancestors ${ancestors.length > 0 ? ancestors.join(' ') : "'none'"}`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

/** The Client App SDK's UMD build: its file name carries a content hash, so it is looked up. */
export function clientAppSdkFile(): string {
  const dist = path.join(path.dirname(require.resolve('purecloud-client-app-sdk/package.json')), 'dist');
  const name = fs.readdirSync(dist).find((f) => /^purecloud-client-app-sdk-[0-9a-f]+\.min\.js$/.test(f));
  if (!name) throw new Error(`no purecloud-client-app-sdk-*.min.js in ${dist}`);
  return path.join(dist, name);
}

/** The platform client's browser build (its own bundle defines the `platformClient` module for the page). */
export function platformClientFile(): string {
  return path.join(
    path.dirname(require.resolve('purecloud-platform-client-v2/package.json')),
    'dist',
    'web-cjs',
    'purecloud-platform-client-v2.min.js',
  );
}

function commonHeaders(res: Response): void {
  res.set('X-Content-Type-Options', 'nosniff');
  res.set('Referrer-Policy', 'no-referrer');
}

export function agentAppPageRouter(opts: AgentAppPageOptions): Router {
  const webDir = opts.webDir ?? path.join(__dirname, 'web');
  const csp = agentAppCsp(opts.config);
  const configJson = JSON.stringify(opts.config);
  // Resolved once at start: a missing SDK is a start-up error, not a 500 per request.
  const vendor: Record<string, string> = {
    'client-app-sdk.js': clientAppSdkFile(),
    'platform-client.js': platformClientFile(),
  };
  // The assets are the files web/ holds at start; anything else is a 404.
  const assets = new Set(
    fs
      .readdirSync(webDir, { withFileTypes: true })
      .filter((e) => e.isFile() && ASSET_NAME.test(e.name) && e.name !== 'index.html')
      .map((e) => e.name),
  );

  const r = Router();

  r.get('/', (_req, res) => {
    commonHeaders(res);
    res.set('Content-Security-Policy', csp);
    res.set('Cache-Control', 'no-store');
    res.type('html');
    res.sendFile(path.join(webDir, 'index.html'));
  });

  r.get('/config', (_req, res) => {
    commonHeaders(res);
    res.set('Cache-Control', 'no-store');
    res.type('application/json').send(configJson);
  });

  // Unknown files fall through to the ingress's 404 (problem+json): only the listed files are ever served.
  r.get('/assets/:file', (req, res, next) => {
    const file = req.params.file;
    if (!assets.has(file)) return next();
    commonHeaders(res);
    res.set('Cache-Control', 'no-cache');
    res.type(CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream');
    res.sendFile(path.join(webDir, file));
  });

  r.get('/vendor/:file', (req, res, next) => {
    const file = Object.hasOwn(vendor, req.params.file) ? vendor[req.params.file] : undefined;
    if (!file) return next();
    commonHeaders(res);
    res.set('Cache-Control', 'public, max-age=3600');
    res.type('text/javascript; charset=utf-8');
    res.sendFile(file);
  });

  return r;
}
