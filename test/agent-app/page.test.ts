/**
 * The agent app's page router (src/agent-app/page.ts): the page under its strict CSP, the assets of web/ and
 * nothing else, the two SDK builds from node_modules, and the config JSON.
 */
import express from 'express';
import request from 'supertest';
import { agentAppCsp, agentAppPageRouter, type AgentAppPageConfig } from '../../src/agent-app/page';

const config: AgentAppPageConfig = {
  clientId: 'app-client',
  apiBase: 'http://127.0.0.1:4010',
  loginBase: 'http://127.0.0.1:4010/login',
  hostOrigins: ['https://apps.mypurecloud.de', 'http://127.0.0.1:4010'],
  sessionTtlSeconds: 900,
  heartbeatSeconds: 10,
};

function app(c: AgentAppPageConfig = config) {
  const a = express();
  a.use('/agent-app', agentAppPageRouter({ config: c }));
  return a;
}

/** The CSP's directives by name. */
function directives(csp: string): Map<string, string[]> {
  return new Map(
    csp.split(';').map((d) => {
      const [name, ...values] = d.trim().split(/\s+/);
      return [name!, values];
    }),
  );
}

describe('agent app page router', () => {
  it('serves the page with the strict CSP, nosniff, no referrer and no caching', async () => {
    const res = await request(app()).get('/agent-app/').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain('<h1');
    expect(res.text).not.toMatch(/<script>(?!<\/script>)|<style|\son\w+=/i); // no inline code
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['cache-control']).toBe('no-store');
    const d = directives(res.headers['content-security-policy'] as string);
    expect(d.get('default-src')).toEqual(["'none'"]);
    expect(d.get('script-src')).toEqual(["'self'"]);
    expect(d.get('style-src')).toEqual(["'self'"]);
    expect(d.get('connect-src')).toEqual(["'self'", 'http://127.0.0.1:4010']);
    expect(d.get('img-src')).toEqual(["'self'", 'data:']);
    expect(d.get('frame-ancestors')).toEqual(['https://apps.mypurecloud.de', 'http://127.0.0.1:4010']);
    expect(d.get('base-uri')).toEqual(["'none'"]);
    expect(d.get('form-action')).toEqual(["'none'"]);
  });

  it('without explicit bases, connects to the region hosts; without host origins, may be framed by nobody', () => {
    const d = directives(
      agentAppCsp({ region: 'mypurecloud.ie', hostOrigins: [], sessionTtlSeconds: 1, heartbeatSeconds: 1 }),
    );
    expect(d.get('connect-src')).toEqual([
      "'self'",
      'https://api.mypurecloud.ie',
      'https://login.mypurecloud.ie',
    ]);
    expect(d.get('frame-ancestors')).toEqual(["'none'"]);
  });

  it('without explicit bases, also connects to the Genesys of each host origin (framed, it signs in there)', () => {
    const d = directives(
      agentAppCsp({
        region: 'mypurecloud.com',
        hostOrigins: ['https://apps.mypurecloud.com', 'https://apps.mypurecloud.ie', 'http://127.0.0.1:4010'],
        sessionTtlSeconds: 1,
        heartbeatSeconds: 1,
      }),
    );
    expect(d.get('connect-src')).toEqual([
      "'self'",
      'https://api.mypurecloud.com',
      'https://login.mypurecloud.com',
      'https://api.mypurecloud.ie',
      'https://login.mypurecloud.ie',
    ]);
  });

  it('drops host origins that are not origins from frame-ancestors (no injection into the header)', () => {
    const d = directives(
      agentAppCsp({
        hostOrigins: [
          "https://a.example; script-src 'unsafe-inline'",
          'javascript:alert(1)',
          'https://b.example/x',
        ],
        sessionTtlSeconds: 1,
        heartbeatSeconds: 1,
      }),
    );
    expect(d.get('script-src')).toEqual(["'self'"]);
    expect(d.get('frame-ancestors')).toEqual(['https://b.example']);
  });

  it.each(['app.js', 'i18n.js', 'live.js', 'list.js', 'host.js', 'signin.js'])(
    'serves the asset %s as JavaScript',
    async (file) => {
      const res = await request(app()).get(`/agent-app/assets/${file}`).expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/javascript/);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    },
  );

  it('serves the stylesheet as CSS', async () => {
    const res = await request(app()).get('/agent-app/assets/app.css').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/css/);
  });

  it.each([
    ['client-app-sdk.js', 'purecloud.apps'],
    ['platform-client.js', 'platformClient'],
  ])('serves the vendor build %s from node_modules as JavaScript', async (file, marker) => {
    const res = await request(app()).get(`/agent-app/vendor/${file}`).expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/javascript/);
    expect(res.text).toContain(marker);
  });

  it.each([
    '/agent-app/assets/..%2Fpage.ts',
    '/agent-app/assets/..%2F..%2F..%2Fpackage.json',
    '/agent-app/assets/%2e%2e%2fpage.ts',
    '/agent-app/assets/..%5cpage.ts',
    '/agent-app/assets/.hidden',
    '/agent-app/assets/index.html',
    '/agent-app/assets/nope.js',
    '/agent-app/vendor/..%2F..%2Fpackage.json',
    '/agent-app/vendor/constructor',
    '/agent-app/vendor/__proto__',
    '/agent-app/vendor/other.js',
  ])('refuses %s', async (url) => {
    const res = await request(app()).get(url);
    expect(res.status).toBe(404);
    expect(res.text).not.toContain('agentAppPageRouter');
  });

  it('refuses a traversal written with plain dots (normalised or not)', async () => {
    for (const url of ['/agent-app/assets/../page.ts', '/agent-app/assets/../../package.json']) {
      const res = await request(app()).get(url);
      expect(res.status).toBe(404);
    }
  });

  it('answers the config as JSON', async () => {
    const res = await request(app()).get('/agent-app/config').expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toEqual(config);
  });
});
