/**
 * A throw-away PostgreSQL for the cluster run: Debian's binaries (/usr/lib/postgresql/<version>/bin, or initdb and
 * postgres on PATH), initdb into a temporary folder, a free port on loopback, trust authentication, no Unix socket.
 * PostgreSQL refuses to run as root: as root, the server runs as `nobody` (or a dedicated user, created when
 * neither exists).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { freePort } from '../../src/dev/temporal';

export interface Postgres {
  port: number;
  user: string;
  version: string;
  stop(): Promise<void>;
}

const DEDICATED_USER = 'desktop-alerts-pg';

/** The folder holding initdb and postgres: the newest /usr/lib/postgresql/<version>/bin, else PATH. */
export function findPostgresBin(): string {
  const debian = '/usr/lib/postgresql';
  if (fs.existsSync(debian)) {
    const versions = fs
      .readdirSync(debian)
      .filter((v) => fs.existsSync(path.join(debian, v, 'bin', 'postgres')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return path.join(debian, versions[0], 'bin');
  }
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const p = path.join(dir, 'postgres');
    if (fs.existsSync(p) && fs.existsSync(path.join(dir, 'initdb'))) return path.dirname(fs.realpathSync(p));
  }
  throw new Error(
    'PostgreSQL not found (no /usr/lib/postgresql/<version>/bin, no initdb + postgres on PATH): apt-get install postgresql',
  );
}

function idOf(user: string): { uid: number; gid: number } | undefined {
  const u = spawnSync('id', ['-u', user], { encoding: 'utf8' });
  const g = spawnSync('id', ['-g', user], { encoding: 'utf8' });
  return u.status === 0 && g.status === 0 ? { uid: Number(u.stdout), gid: Number(g.stdout) } : undefined;
}

/** Who runs PostgreSQL: ourselves unless root; then nobody, or a dedicated system user created on the spot. */
function runAs(): { uid: number; gid: number; name: string } | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  for (const name of ['nobody', DEDICATED_USER]) {
    const id = idOf(name);
    if (id) return { ...id, name };
  }
  const r = spawnSync(
    'useradd',
    ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', DEDICATED_USER],
    {
      encoding: 'utf8',
    },
  );
  const id = idOf(DEDICATED_USER);
  if (!id)
    throw new Error(`running as root and no unprivileged user for PostgreSQL: useradd said ${r.stderr}`);
  return { ...id, name: DEDICATED_USER };
}

function chownTree(dir: string, uid: number, gid: number): void {
  fs.chownSync(dir, uid, gid);
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) chownTree(p, uid, gid);
    else fs.chownSync(p, uid, gid);
  }
}

async function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** initdb + postgres in `dir` (created; must be empty or missing), the superuser named `user`. */
export async function startPostgres(dir: string, user: string, log: (m: string) => void): Promise<Postgres> {
  const bin = findPostgresBin();
  const version = spawnSync(path.join(bin, 'postgres'), ['--version'], { encoding: 'utf8' }).stdout.trim();
  const as = runAs();
  const data = path.join(dir, 'data');
  fs.mkdirSync(dir, { recursive: true });
  if (as) chownTree(dir, as.uid, as.gid);
  const ids = as ? { uid: as.uid, gid: as.gid } : {};
  const logFile = path.join(dir, 'postgres.log');
  const init = spawnSync(
    path.join(bin, 'initdb'),
    ['-D', data, '-U', user, '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-instructions'],
    { encoding: 'utf8', cwd: dir, ...ids },
  );
  if (init.status !== 0)
    throw new Error(`initdb failed (exit ${init.status}): ${init.stderr || init.stdout}`);
  const port = await freePort();
  const out = fs.openSync(logFile, 'a');
  if (as) fs.fchownSync(out, as.uid, as.gid);
  const child: ChildProcess = spawn(
    path.join(bin, 'postgres'),
    [
      '-D',
      data,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=200',
    ],
    { cwd: dir, stdio: ['ignore', out, out], ...ids },
  );
  fs.closeSync(out);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const deadline = Date.now() + 30_000;
  while (!(await accepts(port))) {
    if (child.exitCode !== null) throw new Error(`postgres exited with ${child.exitCode}: see ${logFile}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`postgres did not listen on ${port} within 30 s: see ${logFile}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  log(`cluster: ${version} on 127.0.0.1:${port}${as ? ` (as ${as.name})` : ''}, data in ${data}`);
  return {
    port,
    user,
    version,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGINT'); // fast shutdown
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    },
  };
}
