import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ConfigError, genesysActivitiesPerSecond, loadConfig } from '../../src/config';

const ROOT = path.resolve(__dirname, '..', '..');

describe('configuration', () => {
  test('embedded defaults: no Genesys credentials means the emulator; 80 % of 300/min is 4 calls/s', () => {
    const c = loadConfig({});
    expect(c.genesys.credentials).toBeUndefined();
    expect(c.temporal).toEqual({ address: undefined, namespace: 'default' });
    expect(genesysActivitiesPerSecond(c.genesys)).toBeCloseTo(4);
    expect(c.genesys.notificationsPath).toBe('/api/v2/desktop/notifications');
  });

  test('a region sets both Genesys hosts', () => {
    const c = loadConfig({ GENESYS_REGION: 'mypurecloud.ie', GENESYS_CLIENT_ID: 'id', GENESYS_CLIENT_SECRET: 's3cret' });
    expect(c.genesys.apiBase).toBe('https://api.mypurecloud.ie');
    expect(c.genesys.loginBase).toBe('https://login.mypurecloud.ie');
    expect(c.genesys.credentials).toEqual({ clientId: 'id', clientSecret: 's3cret' });
  });

  test('DOWNSTREAM_RETRY_MAX_SECONDS caps the downstream hand-off: 24 h by default, whole seconds from 1 s to 7 days', () => {
    expect(loadConfig({}).downstream.retryMaxSeconds).toBe(86_400);
    expect(loadConfig({ DOWNSTREAM_RETRY_MAX_SECONDS: '5' }).downstream.retryMaxSeconds).toBe(5);
    for (const bad of ['0', '1.5', 'a day', '604801']) {
      expect(() => loadConfig({ DOWNSTREAM_RETRY_MAX_SECONDS: bad })).toThrow(/DOWNSTREAM_RETRY_MAX_SECONDS: /);
    }
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
    for (const name of ['GENESYS_REGION', 'GENESYS_RATE_LIMIT_SHARE', 'PORT', 'CALLBACK_SIGNING_SECRET', 'SMTP_URL']) {
      expect(problems.some((p) => p.startsWith(`${name}:`))).toBe(true);
    }
    expect(problems.some((p) => p.includes('GENESYS_CLIENT_ID and GENESYS_CLIENT_SECRET together'))).toBe(true);
    expect((err as Error).message).not.toContain('super-secret-but-malformed');
  });

  test('npm start refuses a bad configuration with one line per problem and exit code 1', () => {
    const r = spawnSync(process.execPath, [require.resolve('tsx/cli'), 'src/main.ts'], {
      cwd: ROOT,
      env: { ...process.env, PORT: 'eighty', GENESYS_RATE_LIMIT_PER_MINUTE: '-5', TEMPORAL_ADDRESS: 'no-port' },
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
