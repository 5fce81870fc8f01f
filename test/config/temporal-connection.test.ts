/**
 * Temporal's environment configuration (envconfig) into the service's connection options: the variables, a
 * temporal.toml profile, and one problem line per mistake, naming the variable or file and never a secret.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config';
import { temporalConnectOptions, temporalConnectionFromEnv } from '../../src/temporal-connection';
import { makeTestPki, type TestPki } from '../helpers/tls-certs';

const API_KEY = 'sekrit-api-key-0123456789abcdef';
let pki: TestPki;
let dir: string;

beforeAll(() => {
  pki = makeTestPki();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'desktop-alerts-envconfig-'));
});
afterAll(() => {
  pki.remove();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A temporal.toml in the temp folder; returns its path. */
function tomlFile(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

/** Three profiles: a local default, Temporal Cloud with an API key, and with mTLS. */
const toml = () =>
  tomlFile(
    'temporal.toml',
    [
      '[profile.default]',
      'address = "localhost:7233"',
      '',
      '[profile.cloud]',
      'address = "prod.acct.tmprl.cloud:7233"',
      'namespace = "prod.acct"',
      `api_key = "${API_KEY}"`,
      '[profile.cloud.grpc_meta]',
      'x-team = "alerts"',
      '',
      '[profile.mtls]',
      'address = "prod.acct.tmprl.cloud:7233"',
      'namespace = "prod.acct"',
      '[profile.mtls.tls]',
      `client_cert_path = "${pki.clientCert}"`,
      `client_key_path = "${pki.clientKey}"`,
    ].join('\n'),
  );

const resolve = (env: NodeJS.ProcessEnv) => {
  const r = temporalConnectionFromEnv(env);
  if (!r.connection) throw new Error(`unexpected problems: ${r.problems.join('; ')}`);
  return r.connection;
};

/** The problem lines of an environment, checked to hold none of the secrets a test put in it. */
function problemsOf(env: NodeJS.ProcessEnv): string[] {
  const r = temporalConnectionFromEnv(env);
  expect(r.connection).toBeUndefined();
  expect(r.problems.join('\n')).not.toContain(API_KEY);
  return r.problems;
}

describe('the variables', () => {
  test('nothing set: no address (the SDK default, or npm start embeds a server), namespace default, plaintext', () => {
    expect(resolve({})).toEqual({ address: undefined, namespace: 'default' });
    // Empty is unset, as compose files write them.
    expect(resolve({ TEMPORAL_ADDRESS: '', TEMPORAL_NAMESPACE: ' ' })).toEqual({
      address: undefined,
      namespace: 'default',
    });
  });

  test('TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE keep working (the ARCHITECTURE.md contract)', () => {
    expect(resolve({ TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_NAMESPACE: 'alerts' })).toEqual({
      address: 'temporal:7233',
      namespace: 'alerts',
    });
    const config = loadConfig({ TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_NAMESPACE: 'alerts' });
    expect(config.temporal).toMatchObject({ address: 'temporal:7233', namespace: 'alerts' });
  });

  test('TEMPORAL_API_KEY: the key, over TLS with the system roots; TEMPORAL_GRPC_META_* become headers', () => {
    const t = resolve({
      TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233',
      TEMPORAL_API_KEY: API_KEY,
      TEMPORAL_GRPC_META_TEMPORAL_NAMESPACE: 'ns.acct',
    });
    expect(t).toEqual({
      address: 'ns.acct.tmprl.cloud:7233',
      namespace: 'default',
      apiKey: API_KEY,
      tls: true,
      metadata: { 'temporal-namespace': 'ns.acct' },
    });
    expect(temporalConnectOptions(t)).toEqual({
      address: 'ns.acct.tmprl.cloud:7233',
      apiKey: API_KEY,
      tls: true,
      metadata: { 'temporal-namespace': 'ns.acct' },
    });
  });

  test('TEMPORAL_TLS_* paths: the client certificate pair and the server CA, read from the files', () => {
    const t = resolve({
      TEMPORAL_ADDRESS: 'localhost:7233',
      TEMPORAL_TLS_CLIENT_CERT_PATH: pki.clientCert,
      TEMPORAL_TLS_CLIENT_KEY_PATH: pki.clientKey,
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: pki.caCert,
      TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
    });
    expect(t.tls).toEqual({
      serverNameOverride: 'temporal.internal',
      serverRootCACertificate: Uint8Array.from(fs.readFileSync(pki.caCert)),
      clientCertPair: {
        crt: Uint8Array.from(fs.readFileSync(pki.clientCert)),
        key: Uint8Array.from(fs.readFileSync(pki.clientKey)),
      },
    });
    expect(resolve({ TEMPORAL_TLS: 'false', TEMPORAL_API_KEY: API_KEY }).tls).toBe(false);
  });
});

describe('temporal.toml profiles', () => {
  test('TEMPORAL_PROFILE picks a profile of TEMPORAL_CONFIG_FILE; the default profile otherwise', () => {
    const file = toml();
    expect(resolve({ TEMPORAL_CONFIG_FILE: file })).toEqual({
      address: 'localhost:7233',
      namespace: 'default',
    });
    expect(resolve({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'cloud' })).toEqual({
      address: 'prod.acct.tmprl.cloud:7233',
      namespace: 'prod.acct',
      apiKey: API_KEY,
      tls: true,
      metadata: { 'x-team': 'alerts' },
    });
    const mtls = resolve({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'mtls' });
    expect(mtls.tls).toMatchObject({
      clientCertPair: { crt: Uint8Array.from(fs.readFileSync(pki.clientCert)) },
    });
  });

  test('a variable overrides the profile', () => {
    const t = resolve({
      TEMPORAL_CONFIG_FILE: toml(),
      TEMPORAL_PROFILE: 'cloud',
      TEMPORAL_NAMESPACE: 'other.acct',
    });
    expect(t).toMatchObject({
      address: 'prod.acct.tmprl.cloud:7233',
      namespace: 'other.acct',
      apiKey: API_KEY,
    });
  });

  test('the default file: $XDG_CONFIG_HOME/temporalio/temporal.toml, as the Temporal CLI reads it', () => {
    const home = fs.mkdtempSync(path.join(dir, 'xdg-'));
    fs.mkdirSync(path.join(home, 'temporalio'));
    fs.copyFileSync(toml(), path.join(home, 'temporalio', 'temporal.toml'));
    expect(resolve({ XDG_CONFIG_HOME: home, TEMPORAL_PROFILE: 'cloud' }).address).toBe(
      'prod.acct.tmprl.cloud:7233',
    );
    // No file there: nothing configured (not an error), as for the CLI.
    expect(resolve({ XDG_CONFIG_HOME: path.join(dir, 'nowhere') })).toEqual({
      address: undefined,
      namespace: 'default',
    });
  });
});

describe('one problem line per mistake, naming the variable or file', () => {
  test('an address without a port: from the variable, or from the profile', () => {
    expect(problemsOf({ TEMPORAL_ADDRESS: 'no-port' })).toEqual(['TEMPORAL_ADDRESS: host:port']);
    const file = tomlFile('bad-address.toml', '[profile.default]\naddress = "no-port"\n');
    expect(problemsOf({ TEMPORAL_CONFIG_FILE: file })).toEqual([
      `address of profile 'default' in TEMPORAL_CONFIG_FILE (${file}): host:port`,
    ]);
  });

  test('a missing profile, a missing file named on purpose, a TEMPORAL_TLS that is not a boolean', () => {
    const file = toml();
    expect(problemsOf({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'nope' })).toEqual([
      `TEMPORAL_PROFILE: no profile 'nope' in TEMPORAL_CONFIG_FILE (${file})`,
    ]);
    const missing = path.join(dir, 'missing.toml');
    expect(problemsOf({ TEMPORAL_CONFIG_FILE: missing })).toEqual([
      `TEMPORAL_CONFIG_FILE: ${missing} does not exist`,
    ]);
    expect(problemsOf({ TEMPORAL_TLS: 'yes' })).toEqual(['TEMPORAL_TLS: true or false']);
  });

  test('a file that is not TOML: its line and column, not its text (it may hold a key)', () => {
    const file = tomlFile('broken.toml', `[profile.default]\napi_key = "${API_KEY}\n`);
    const [problem, ...rest] = problemsOf({ TEMPORAL_CONFIG_FILE: file });
    expect(rest).toEqual([]);
    expect(problem).toMatch(
      new RegExp(`^TEMPORAL_CONFIG_FILE \\(${file}\\): not valid TOML \\(line 2, column \\d+\\)`),
    );
  });

  test('an unreadable certificate, a file that is not a key, a certificate without its key', () => {
    const missing = path.join(dir, 'no-such.pem');
    expect(
      problemsOf({
        TEMPORAL_TLS_CLIENT_CERT_PATH: missing,
        TEMPORAL_TLS_CLIENT_KEY_PATH: pki.clientCert, // a certificate where the key belongs
        TEMPORAL_API_KEY: API_KEY,
      }),
    ).toEqual([
      `TEMPORAL_TLS_CLIENT_CERT_PATH: cannot read ${missing} (ENOENT)`,
      'TEMPORAL_TLS_CLIENT_KEY_PATH: not a PEM private key',
    ]);
    expect(problemsOf({ TEMPORAL_TLS_CLIENT_CERT_PATH: pki.clientCert })).toEqual([
      'TEMPORAL_TLS_CLIENT_KEY_PATH: TEMPORAL_TLS_CLIENT_CERT_PATH is set: its key is needed too',
    ]);
    expect(problemsOf({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: pki.clientKey })).toEqual([
      'TEMPORAL_TLS_SERVER_CA_CERT_PATH: not a PEM certificate',
    ]);
    const file = tomlFile('no-key.toml', `[profile.default.tls]\nclient_cert_path = "${pki.clientCert}"\n`);
    expect(problemsOf({ TEMPORAL_CONFIG_FILE: file })).toEqual([
      `TEMPORAL_TLS_CLIENT_KEY_PATH: tls.client_cert_path of profile 'default' in TEMPORAL_CONFIG_FILE (${file}) is set: its key is needed too`,
    ]);
  });

  test("loadConfig reports them with the rest of the configuration's problems, without the key file's text", () => {
    const keyText = fs.readFileSync(pki.clientKey, 'utf8');
    let error: unknown;
    try {
      loadConfig({
        TEMPORAL_ADDRESS: 'no-port',
        TEMPORAL_API_KEY: API_KEY,
        TEMPORAL_TLS_SERVER_CA_CERT_PATH: pki.clientKey,
        PORT: 'x',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toEqual([
      expect.stringMatching(/^PORT: /),
      'TEMPORAL_TLS_SERVER_CA_CERT_PATH: not a PEM certificate',
      'TEMPORAL_ADDRESS: host:port',
    ]);
    const message = (error as ConfigError).message;
    expect(message).not.toContain(API_KEY);
    expect(message).not.toContain(keyText.split('\n')[1]);
  });
});
