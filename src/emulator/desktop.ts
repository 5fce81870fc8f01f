/**
 * The live agent desktop page, `GET /desktop?agent=<userId>`: desktop-page/desktop.html with its CSS
 * and JS inlined, read once at start-up, served under a strict CSP with a fresh nonce per answer. The
 * page plays the agent through the control API: clicks go through `POST /__emulator/notifications/:id/click`,
 * so a callback button sends the real signed callback, with the real retries.
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
/** Where desktop.html takes each file's content. */
const INLINED = [
  { marker: '/* desktop.css */', file: 'desktop.css' },
  { marker: '/* desktop.js */', file: 'desktop.js' },
];

/** The page with __NONCE__ placeholders; throws when a file or a marker is missing. */
export function loadDesktopPage(): string {
  const read = (file: string) => fs.readFileSync(path.join(PAGE_DIR, file), 'utf8');
  let html = read('desktop.html');
  for (const { marker, file } of INLINED) {
    if (!html.includes(marker)) throw new Error(`emulator: desktop.html has no ${marker} marker`);
    // A function, so that '$' sequences in the file are not replacement patterns.
    html = html.replace(marker, () => read(file));
  }
  return html;
}

/** GET /desktop: the page. A fresh nonce per answer keeps the CSP strict (no other script can run). */
export function serveDesktopPage(res: http.ServerResponse, page: string): void {
  const nonce = randomBytes(16).toString('base64');
  const html = page.replace(/__NONCE__/g, nonce);
  res.writeHead(200, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'content-security-policy': [
      "default-src 'none'",
      `script-src 'nonce-${nonce}'`,
      `style-src 'nonce-${nonce}'`,
      "connect-src 'self'",
      "img-src 'self' data:",
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ].join('; '),
  });
  res.end(html);
}
