/**
 * The Temporal server and its SQL schema tool, built from the Go module go.temporal.io/server at a pinned version and
 * cached outside the clone (${XDG_CACHE_HOME:-~/.cache}/desktop-alerts/temporal-server-<version>/): GOPATH, the module
 * and build caches and the Go toolchain the module asks for all live there. The first build takes minutes; later runs
 * reuse the binaries. Throws (never skips) when Go is missing or the build fails.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const TEMPORAL_SERVER_VERSION = '1.32.2';
/** The Go toolchain go.temporal.io/server@v1.32.2 requires (go.mod `toolchain`); Go fetches it through the proxy. */
export const GO_TOOLCHAIN = 'go1.26.10';
const MODULE = 'go.temporal.io/server';

export interface TemporalBinaries {
  server: string;
  sqlTool: string;
  /** The module's source (schema/ and config/ live here). */
  moduleDir: string;
  cacheDir: string;
  /** Seconds the build took; 0 when the cached binaries were reused. */
  buildSeconds: number;
  /** Seconds the cached binaries took to build (build.json beside them). */
  firstBuildSeconds: number;
}

export function cacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'desktop-alerts', `temporal-server-${TEMPORAL_SERVER_VERSION}`);
}

function findGo(): string {
  const candidates = [
    process.env.GO_BINARY,
    ...(process.env.PATH ?? '').split(path.delimiter).map((d) => path.join(d, 'go')),
    '/usr/local/go/bin/go',
  ].filter((p): p is string => !!p);
  const go = candidates.find((p) => fs.existsSync(p));
  if (!go)
    throw new Error(
      `no Go toolchain found (PATH, /usr/local/go/bin/go or GO_BINARY): it is needed once to build the Temporal server ${TEMPORAL_SERVER_VERSION}`,
    );
  return go;
}

function goEnv(dir: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GOPATH: path.join(dir, 'gopath'),
    GOMODCACHE: path.join(dir, 'gopath', 'pkg', 'mod'),
    GOCACHE: path.join(dir, 'gocache'),
    GOTOOLCHAIN: GO_TOOLCHAIN,
    GOFLAGS: '-mod=mod',
    CGO_ENABLED: '0',
  };
}

function run(go: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): string {
  const r = spawnSync(go, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0)
    throw new Error(`go ${args.join(' ')} failed (exit ${r.status ?? r.signal}):\n${r.stderr || r.stdout}`);
  return r.stdout;
}

/** The cached binaries, building them first when missing. */
export function ensureTemporalBinaries(log: (m: string) => void): TemporalBinaries {
  const dir = cacheDir();
  const src = path.join(dir, 'src');
  const bin = path.join(dir, 'bin');
  const server = path.join(bin, 'temporal-server');
  const sqlTool = path.join(bin, 'temporal-sql-tool');
  fs.mkdirSync(src, { recursive: true });
  const buildFile = path.join(dir, 'build.json');
  const cachedModule = path.join(
    dir,
    'gopath',
    'pkg',
    'mod',
    'go.temporal.io',
    `server@v${TEMPORAL_SERVER_VERSION}`,
  );
  if ([server, sqlTool, buildFile, cachedModule].every((p) => fs.existsSync(p))) {
    // Built before: no Go needed to run it again.
    const built = JSON.parse(fs.readFileSync(buildFile, 'utf8')) as { buildSeconds?: number };
    return {
      server,
      sqlTool,
      moduleDir: cachedModule,
      cacheDir: dir,
      buildSeconds: 0,
      firstBuildSeconds: built.buildSeconds ?? 0,
    };
  }
  const go = findGo();
  const env = goEnv(dir);
  const goMod = path.join(src, 'go.mod');
  if (
    !fs.existsSync(goMod) ||
    !fs.readFileSync(goMod, 'utf8').includes(`${MODULE} v${TEMPORAL_SERVER_VERSION}`)
  ) {
    log(`cluster: resolving ${MODULE}@v${TEMPORAL_SERVER_VERSION} (Go module proxy) into ${dir}`);
    fs.writeFileSync(goMod, `module desktop-alerts/temporal-server-build\n\ngo 1.26\n`);
    run(
      go,
      [
        'get',
        `${MODULE}/cmd/server@v${TEMPORAL_SERVER_VERSION}`,
        `${MODULE}/cmd/tools/sql@v${TEMPORAL_SERVER_VERSION}`,
      ],
      src,
      env,
    );
  }
  const info = JSON.parse(
    run(go, ['mod', 'download', '-json', `${MODULE}@v${TEMPORAL_SERVER_VERSION}`], src, env),
  ) as {
    Dir?: string;
  };
  if (!info.Dir || !fs.existsSync(info.Dir))
    throw new Error(`${MODULE}@v${TEMPORAL_SERVER_VERSION}: no module source`);
  let buildSeconds = 0;
  if (!fs.existsSync(server) || !fs.existsSync(sqlTool)) {
    log(
      `cluster: building temporal-server and temporal-sql-tool ${TEMPORAL_SERVER_VERSION} (${GO_TOOLCHAIN}; minutes the first time)`,
    );
    const t0 = Date.now();
    fs.mkdirSync(bin, { recursive: true });
    // Into temporary names first: an interrupted build never leaves a half-written binary that looks cached.
    run(go, ['build', '-o', `${server}.tmp`, `${MODULE}/cmd/server`], src, env);
    run(go, ['build', '-o', `${sqlTool}.tmp`, `${MODULE}/cmd/tools/sql`], src, env);
    fs.renameSync(`${server}.tmp`, server);
    fs.renameSync(`${sqlTool}.tmp`, sqlTool);
    buildSeconds = Math.round((Date.now() - t0) / 1000);
    fs.writeFileSync(
      buildFile,
      JSON.stringify(
        {
          version: TEMPORAL_SERVER_VERSION,
          toolchain: GO_TOOLCHAIN,
          buildSeconds,
          at: new Date().toISOString(),
        },
        null,
        2,
      ) + '\n',
    );
    log(`cluster: built in ${buildSeconds} s`);
  }
  const built = JSON.parse(fs.readFileSync(buildFile, 'utf8')) as {
    buildSeconds?: number;
  };
  return {
    server,
    sqlTool,
    moduleDir: info.Dir,
    cacheDir: dir,
    buildSeconds,
    firstBuildSeconds: built.buildSeconds ?? 0,
  };
}
