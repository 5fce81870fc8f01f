/**
 * The desktop shell page, `GET /desktop?agent=<userId>`: desktop-page/desktop.html with its CSS inlined
 * (read once at start-up), its scripts served from `/desktop/<file>.js` (the page runs no inline script),
 * and the shell's settings as a JSON data block. A fresh nonce per answer keeps the styles strict; the
 * CSP frames only the Client App's origin and the emulator's own (its login page).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';

/**
 * Next to this module under src/ (tsx, ts-jest) and in dist/ (`npm run build` copies the folder, since
 * tsc copies no assets).
 */
const PAGE_DIR = path.join(__dirname, 'desktop-page');
/** Where desktop.html takes each stylesheet's content. */
const INLINED = [
  { marker: '/* desktop.css */', file: 'desktop.css' },
  { marker: '/* shell.css */', file: 'shell.css' },
];
/** The page's scripts, served as they are under /desktop/. */
const SCRIPTS = ['desktop.js', 'shell.js'];
const CONFIG_MARKER = '__SHELL_CONFIG__';

export interface DesktopPage {
  html: string;
  scripts: Map<string, string>;
}

const read = (file: string) => fs.readFileSync(path.join(PAGE_DIR, file), 'utf8');

/** The page with __NONCE__ and __SHELL_CONFIG__ placeholders, and its scripts; throws when a file or a marker is missing. */
export function loadDesktopPage(): DesktopPage {
  let html = read('desktop.html');
  for (const { marker, file } of INLINED) {
    if (!html.includes(marker)) throw new Error(`emulator: desktop.html has no ${marker} marker`);
    // A function, so that '$' sequences in the file are not replacement patterns.
    html = html.replace(marker, () => read(file));
  }
  if (!html.includes(CONFIG_MARKER)) throw new Error(`emulator: desktop.html has no ${CONFIG_MARKER}`);
  return { html, scripts: new Map(SCRIPTS.map((f) => [`/desktop/${f}`, read(f)])) };
}

/** JSON that cannot end the <script type="application/json"> block it sits in. */
function jsonForHtml(v: unknown): string {
  return JSON.stringify(v).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

export interface ShellPageOptions {
  /** What shell.js reads from the #shell-config block. */
  config: unknown;
  /** Origins the page may frame (besides 'self', the login host). */
  frameOrigins: string[];
  /** A Set-Cookie value, when the page signs an agent in at the login host. */
  setCookie: string | null;
}

/** GET /desktop: the page. */
export function serveDesktopPage(res: http.ServerResponse, page: DesktopPage, opts: ShellPageOptions): void {
  const nonce = randomBytes(16).toString('base64');
  const html = page.html.replace(/__NONCE__/g, nonce).replace(CONFIG_MARKER, () => jsonForHtml(opts.config));
  const headers: Record<string, string | number> = {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'content-security-policy': [
      "default-src 'none'",
      "script-src 'self'",
      `style-src 'nonce-${nonce}'`,
      "connect-src 'self'",
      "img-src 'self' data:",
      // The app, and the login page when the app signs in inside its frame.
      `frame-src 'self' ${opts.frameOrigins.join(' ')}`.trim(),
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ].join('; '),
  };
  if (opts.setCookie) headers['set-cookie'] = opts.setCookie;
  res.writeHead(200, headers);
  res.end(html);
}

/** GET /desktop/<file>.js: one of the page's scripts; false when the path is not one. */
export function serveDesktopScript(res: http.ServerResponse, page: DesktopPage, urlPath: string): boolean {
  const js = page.scripts.get(urlPath);
  if (js === undefined) return false;
  res.writeHead(200, {
    'content-type': 'text/javascript; charset=utf-8',
    'content-length': Buffer.byteLength(js),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(js);
  return true;
}
