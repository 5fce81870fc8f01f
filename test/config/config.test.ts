import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { checkIngressConfig } from '../../src/api/app';
import { ConfigError, genesysActivitiesPerSecond, genesysConnection, loadConfig } from '../../src/config';

const ROOT = path.resolve(__dirname, '..', '..');

/** The configuration's problems for `env`: none when it loads. */
function problems(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
}

describe('configuration', () => {
  test('embedded defaults: no Genesys credentials means the emulator; 80 % of 300/min is 4 calls/s', () => {
    const c = loadConfig({});
    expect(c.genesys.credentials).toBeUndefined();
    expect(c.temporal).toEqual({
      address: undefined,
      namespace: 'default',
      payloadKeys: undefined, // plaintext payloads (npm start warns; server and worker refuse)
      payloadEncryptionOff: false,
      codecCorsOrigins: [],
    });
    expect(genesysActivitiesPerSecond(c.genesys)).toBeCloseTo(4);
    expect(c.genesys.notificationsPath).toBe('/api/v2/desktop/notifications');
  });

  test('a region sets both Genesys hosts', () => {
    const c = loadConfig({
      GENESYS_REGION: 'mypurecloud.ie',
      GENESYS_CLIENT_ID: 'id',
      GENESYS_CLIENT_SECRET: 's3cret',
      DESKTOP_CHANNELS: 'notifications-endpoint',
    });
    expect(c.genesys.apiBase).toBe('https://api.mypurecloud.ie');
    expect(c.genesys.loginBase).toBe('https://login.mypurecloud.ie');
    expect(c.genesys.credentials).toEqual({ clientId: 'id', clientSecret: 's3cret' });
  });

  // GENESYS.md's list (the platform SDK's PureCloudRegionHosts), copied here so a region dropped from the code fails.
  test.each([
    'mypurecloud.com',
    'mypurecloud.ie',
    'mypurecloud.de',
    'mypurecloud.com.au',
    'mypurecloud.jp',
    'usw2.pure.cloud',
    'cac1.pure.cloud',
    'euw2.pure.cloud',
    'apne2.pure.cloud',
    'apne3.pure.cloud',
    'aps1.pure.cloud',
    'sae1.pure.cloud',
    'mec1.pure.cloud',
    'euc2.pure.cloud',
    'mxc1.pure.cloud',
    'apse1.pure.cloud',
    'use2.us-gov-pure.cloud',
    'edee1.eusc-pure.cloud',
  ])('the region %s is accepted', (region) => {
    const c = loadConfig({
      GENESYS_REGION: region,
      GENESYS_CLIENT_ID: 'id',
      GENESYS_CLIENT_SECRET: 's3cret',
      DESKTOP_CHANNELS: 'notifications-endpoint',
    });
    expect(c.genesys.apiBase).toBe(`https://api.${region}`);
    expect(c.genesys.loginBase).toBe(`https://login.${region}`);
  });

  describe('desktop channels: the agent app on a real org, both channels against an emulator', () => {
    const creds = { GENESYS_CLIENT_ID: 'id', GENESYS_CLIENT_SECRET: 's3cret' };
    const bases = (host: string) => ({
      GENESYS_API_BASE: `https://api.${host}/`,
      GENESYS_LOGIN_BASE: `https://login.${host}`,
    });

    test.each<[string, NodeJS.ProcessEnv, string]>([
      ['GENESYS_REGION', { GENESYS_REGION: 'mypurecloud.de', ...creds }, 'mypurecloud.de'],
      ['a Genesys Cloud API base', { ...bases('usw2.pure.cloud'), ...creds }, 'usw2.pure.cloud'],
    ])(
      'a real org (%s): the agent app alone (its public API has no notifications endpoint), framed by its apps host',
      (_what, env, host) => {
        const c = loadConfig(env);
        expect(c.desktopChannels).toEqual(['agent-app']);
        expect(c.agentApp.genesysHost).toBe(host);
        expect(c.agentApp.hostOrigins).toEqual([`https://apps.${host}`]);
      },
    );

    test('an emulator, a proxy or nothing set: the agent app first, then the notifications endpoint', () => {
      for (const env of [
        { GENESYS_API_BASE: 'http://127.0.0.1:4010', GENESYS_LOGIN_BASE: 'http://127.0.0.1:4010', ...creds },
        {},
      ]) {
        const c = loadConfig(env);
        expect(c.desktopChannels).toEqual(['agent-app', 'notifications-endpoint']);
        expect(c.agentApp.genesysHost).toBeUndefined();
        expect(c.agentApp.hostOrigins).toEqual([]);
      }
    });

    test('a real org may switch the notifications endpoint on deliberately, for middleware that provides it', () => {
      const c = loadConfig({
        GENESYS_REGION: 'mypurecloud.ie',
        DESKTOP_CHANNELS: 'agent-app, notifications-endpoint',
        GENESYS_NOTIFICATIONS_PATH: '/api/v2/middleware/desktop-notifications',
        ...creds,
      });
      expect(c.desktopChannels).toEqual(['agent-app', 'notifications-endpoint']);
      expect(c.genesys.notificationsPath).toBe('/api/v2/middleware/desktop-notifications');
    });

    test('GENESYS_APP_HOST_ORIGINS is a list of origins; GENESYS_APP_CLIENT_ID is taken as given', () => {
      const c = loadConfig({
        GENESYS_APP_HOST_ORIGINS: 'https://apps.mypurecloud.ie, https://apps.example.com/',
        GENESYS_APP_CLIENT_ID: 'app-client',
      });
      expect(c.agentApp.hostOrigins).toEqual(['https://apps.mypurecloud.ie', 'https://apps.example.com']);
      expect(c.agentApp.clientId).toBe('app-client');
      for (const bad of [
        'apps.mypurecloud.ie',
        'https://apps.example.com/path',
        'http://apps.example.com',
        '*',
      ]) {
        expect(
          problems({ GENESYS_APP_HOST_ORIGINS: bad }).some((p) => p.startsWith('GENESYS_APP_HOST_ORIGINS')),
        ).toBe(true);
      }
      // A loopback host may be plain http (the emulator's desktop shell).
      expect(loadConfig({ GENESYS_APP_HOST_ORIGINS: 'http://127.0.0.1:4010' }).agentApp.hostOrigins).toEqual([
        'http://127.0.0.1:4010',
      ]);
    });

    test('an ingress on a real org with the agent app needs GENESYS_APP_CLIENT_ID, and says how to get it', () => {
      const ready = {
        INGRESS_API_KEYS: 'k'.repeat(32),
        CALLBACK_SIGNING_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
        PUBLIC_BASE_URL: 'https://alerts.example.com',
        ACTION_URL_ALLOWED_HOSTS: 'crm.example.com',
        GENESYS_REGION: 'mypurecloud.de',
        ...creds,
      };
      const missing = checkIngressConfig(loadConfig(ready));
      expect(missing).toEqual([expect.stringMatching(/^GENESYS_APP_CLIENT_ID: .*genesys install-app/)]);
      expect(checkIngressConfig(loadConfig({ ...ready, GENESYS_APP_CLIENT_ID: 'app-client' }))).toEqual([]);
      // Without the agent app it is not needed.
      expect(
        checkIngressConfig(loadConfig({ ...ready, DESKTOP_CHANNELS: 'notifications-endpoint' })),
      ).toEqual([]);
    });

    test('DESKTOP_CHANNELS is a comma list of agent-app and notifications-endpoint', () => {
      expect(loadConfig({ DESKTOP_CHANNELS: ' notifications-endpoint ,agent-app' }).desktopChannels).toEqual([
        'notifications-endpoint',
        'agent-app',
      ]);
      expect(
        problems({ DESKTOP_CHANNELS: 'agent-app,toast' }).some((p) => p.startsWith('DESKTOP_CHANNELS')),
      ).toBe(true);
    });
  });

  test('GENESYS_RETRY_AFTER_MAX_SECONDS: 300 s by default, reaches the Genesys client, and is bounded to a day', () => {
    expect(loadConfig({}).genesys.retryAfterMaxSeconds).toBe(300);
    const c = loadConfig({
      GENESYS_RETRY_AFTER_MAX_SECONDS: '60',
      GENESYS_API_BASE: 'http://127.0.0.1:4010',
      GENESYS_LOGIN_BASE: 'http://127.0.0.1:4010',
      GENESYS_CLIENT_ID: 'id',
      GENESYS_CLIENT_SECRET: 's3cret',
    });
    expect(genesysConnection(c.genesys).retryAfterMaxSeconds).toBe(60);
    for (const bad of ['0', '86401', 'soon']) {
      expect(() => loadConfig({ GENESYS_RETRY_AFTER_MAX_SECONDS: bad })).toThrow(
        /GENESYS_RETRY_AFTER_MAX_SECONDS:/,
      );
    }
  });

  test('DOWNSTREAM_RETRY_MAX_SECONDS caps the downstream hand-off: 24 h by default, whole seconds from 1 s to 7 days', () => {
    expect(loadConfig({}).downstream.retryMaxSeconds).toBe(86_400);
    expect(loadConfig({ DOWNSTREAM_RETRY_MAX_SECONDS: '5' }).downstream.retryMaxSeconds).toBe(5);
    for (const bad of ['0', '1.5', 'a day', '604801']) {
      expect(() => loadConfig({ DOWNSTREAM_RETRY_MAX_SECONDS: bad })).toThrow(
        /DOWNSTREAM_RETRY_MAX_SECONDS: /,
      );
    }
  });

  test('INGRESS_API_KEYS: name:role:key entries, plain keys read as admins named by position, one problem per bad entry', () => {
    const strong = 'k'.repeat(16);
    expect(
      loadConfig({ INGRESS_API_KEYS: `crm:sender:${strong}, plainkey ,ops:reader:${strong}:with:colons` })
        .ingress.apiKeys,
    ).toEqual([
      { name: 'crm', role: 'sender', key: strong },
      { name: 'key-2', role: 'admin', key: 'plainkey' },
      { name: 'ops', role: 'reader', key: `${strong}:with:colons` },
    ]);
    expect(loadConfig({}).ingress.rateLimitPerMinute).toBe(6000);
    expect(loadConfig({ INGRESS_RATE_LIMIT_PER_MINUTE: '0' }).ingress.rateLimitPerMinute).toBe(0);
    const cases: Array<[string, RegExp]> = [
      [`crm:${strong}`, /entry 1: expected name:role:key/],
      [`crm:owner:${strong}`, /entry 1 \(crm\): the role must be one of sender, reader, admin/],
      [`c rm:admin:${strong}`, /entry 1: the name must be/],
      ['crm:admin:short-secret', /entry 1 \(crm\): the key must be at least 16 characters/],
      [`crm:admin:${strong},crm:reader:${strong}x`, /entry 2: the name crm is used twice/],
      [`a:admin:${strong},b:reader:${strong}`, /the same key is listed twice/],
    ];
    for (const [value, message] of cases) {
      const found = problems({ INGRESS_API_KEYS: value });
      expect(found).toEqual([expect.stringMatching(message)]);
      expect(found.join('\n')).not.toContain(strong); // never the key
    }
  });

  test('a signing secret must hold at least 24 bytes once decoded (padding alone used to pass, then every callback got 500)', () => {
    const b64 = (n: number) => Buffer.alloc(n, 7).toString('base64');
    for (const name of ['CALLBACK_SIGNING_SECRET', 'DOWNSTREAM_SIGNING_SECRET']) {
      for (const weak of [
        'whsec_================',
        `whsec_${b64(23)}`,
        'whsec_not base64!',
        `whsec_${b64(24)}==x`,
      ]) {
        const found = problems({ [name]: weak });
        expect(found).toEqual([expect.stringMatching(new RegExp(`^${name}: whsec_<base64>`))]);
        expect(found[0]).not.toContain(weak);
      }
      expect(problems({ [name]: `whsec_${b64(24)}` })).toEqual([]);
      expect(problems({ [name]: `whsec_${b64(32)}` })).toEqual([]);
    }
  });

  test('TEMPORAL_PAYLOAD_KEYS: keyId:base64 of exactly 32 bytes, in order (the first encrypts); unset: no keys', () => {
    const k1 = Buffer.alloc(32, 1).toString('base64');
    const k2 = Buffer.alloc(32, 2).toString('base64');
    const c = loadConfig({ TEMPORAL_PAYLOAD_KEYS: ` 2026-06:${k2} , 2026-01:${k1}` });
    expect(c.temporal.payloadKeys?.map((k) => k.id)).toEqual(['2026-06', '2026-01']);
    expect(c.temporal.payloadKeys?.[0]?.key.equals(Buffer.alloc(32, 2))).toBe(true);
    expect(c.temporal.payloadEncryptionOff).toBe(false);
    expect(loadConfig({}).temporal.payloadKeys).toBeUndefined();
    expect(loadConfig({ TEMPORAL_PAYLOAD_ENCRYPTION: 'off' }).temporal.payloadEncryptionOff).toBe(true);
    const short = Buffer.alloc(31, 3).toString('base64');
    const long = Buffer.alloc(33, 3).toString('base64');
    for (const [bad, why] of [
      [`k1:${short}`, /entry 1 \(key id k1\): the key must be base64 of exactly 32 bytes/],
      [`k1:${long}`, /exactly 32 bytes/],
      [`k1:${k1},k2:not*base64`, /entry 2 \(key id k2\): the key must be base64/],
      [k1, /entry 1: keyId:base64/],
      [`:${k1}`, /entry 1: keyId:base64/],
      [`k1:${k1},k1:${k2}`, /entry 2 \(key id k1\): the key id is used twice/],
      [',', /at least one keyId:base64 entry/],
    ] as const) {
      const found = problems({ TEMPORAL_PAYLOAD_KEYS: bad });
      expect(found).toEqual([expect.stringMatching(/^TEMPORAL_PAYLOAD_KEYS: /)]);
      expect(found[0]).toMatch(why);
      // Never the key material.
      for (const secret of [short, long, k1, k2, 'not*base64']) expect(found[0]).not.toContain(secret);
    }
    expect(problems({ TEMPORAL_PAYLOAD_ENCRYPTION: 'no' })).toEqual([
      expect.stringMatching(/^TEMPORAL_PAYLOAD_ENCRYPTION: /),
    ]);
  });

  test('TEMPORAL_CODEC_CORS_ORIGINS: a comma list of http(s) origins', () => {
    expect(
      loadConfig({ TEMPORAL_CODEC_CORS_ORIGINS: 'http://temporal-ui:8080/, https://ui.example.com' }).temporal
        .codecCorsOrigins,
    ).toEqual(['http://temporal-ui:8080', 'https://ui.example.com']);
    expect(loadConfig({}).temporal.codecCorsOrigins).toEqual([]);
    for (const bad of ['ui.example.com', 'https://ui.example.com/path', 'ftp://ui.example.com'])
      expect(problems({ TEMPORAL_CODEC_CORS_ORIGINS: bad })).toEqual([
        expect.stringMatching(/^TEMPORAL_CODEC_CORS_ORIGINS\.?\d*: a comma list of origins/),
      ]);
  });

  test('every problem gets its own line, and no value is echoed', () => {
    let err: unknown;
    try {
      loadConfig({
        GENESYS_REGION: 'mars.cloud',
        GENESYS_CLIENT_ID: 'only-the-id',
        GENESYS_RATE_LIMIT_SHARE: '1.5',
        PORT: 'eighty',
        CALLBACK_SIGNING_SECRET: 'super-secret-but-malformed',
        SMTP_URL: 'http://not-smtp',
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems;
    for (const name of [
      'GENESYS_REGION',
      'GENESYS_RATE_LIMIT_SHARE',
      'PORT',
      'CALLBACK_SIGNING_SECRET',
      'SMTP_URL',
    ]) {
      expect(problems.some((p) => p.startsWith(`${name}:`))).toBe(true);
    }
    expect(problems.some((p) => p.includes('GENESYS_CLIENT_ID and GENESYS_CLIENT_SECRET together'))).toBe(
      true,
    );
    expect((err as Error).message).not.toContain('super-secret-but-malformed');
  });

  test.each(['src/server.ts', 'src/worker.ts'])(
    '%s refuses to start without TEMPORAL_PAYLOAD_KEYS, naming both variables (exit 1)',
    (entry) => {
      const r = spawnSync(process.execPath, [require.resolve('tsx/cli'), entry], {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH,
          NODE_ENV: 'production',
          LOG_LEVEL: 'silent',
          TEMPORAL_ADDRESS: '127.0.0.1:1',
        },
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(
        /cannot start:\n {2}- TEMPORAL_PAYLOAD_KEYS: .*TEMPORAL_PAYLOAD_ENCRYPTION=off/,
      );
    },
  );

  test('npm start refuses a bad configuration with one line per problem and exit code 1', () => {
    const r = spawnSync(process.execPath, [require.resolve('tsx/cli'), 'src/main.ts'], {
      cwd: ROOT,
      env: {
        ...process.env,
        PORT: 'eighty',
        GENESYS_RATE_LIMIT_PER_MINUTE: '-5',
        TEMPORAL_ADDRESS: 'no-port',
      },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.status).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toBe('Invalid configuration:');
    expect(lines.filter((l) => l.startsWith('  - '))).toHaveLength(3);
    expect(r.stderr).toMatch(/PORT:/);
    expect(r.stderr).toMatch(/GENESYS_RATE_LIMIT_PER_MINUTE:/);
    expect(r.stderr).toMatch(/TEMPORAL_ADDRESS: host:port/);
  });
});
