/**
 * Where Temporal is and how to reach it, the standard way: Temporal's environment configuration
 * (@temporalio/envconfig), so TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_*,
 * TEMPORAL_GRPC_META_*, and the profiles of a temporal.toml (TEMPORAL_PROFILE, TEMPORAL_CONFIG_FILE) work as they
 * do for the Temporal CLI and every other SDK application. envconfig reads them; this module only turns what it
 * reads into connection options and its failures into one problem line each, naming the variable or file (never
 * a value: an API key or a key file must not reach a log line).
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import fs from 'node:fs';
import {
  loadClientConfigProfile,
  toClientOptions,
  type ClientConfigProfile,
  type ClientConfigTLS,
} from '@temporalio/envconfig';
import type { TLSConfig } from '@temporalio/client';

/** A resolved Temporal connection: what Connection.connect and NativeConnection.connect need, and the namespace. */
export interface TemporalConnection {
  /** host:port. Unset: the SDK's default (localhost:7233); `npm start` starts its own dev server instead. */
  address?: string;
  namespace: string;
  /** TLS: true (system roots), its certificates, or false/unset (plaintext). Set by an API key alone too. */
  tls?: TLSConfig | boolean;
  /** TEMPORAL_API_KEY: sent as `authorization: Bearer <key>` on every call. */
  apiKey?: string;
  /** TEMPORAL_GRPC_META_* and a profile's grpc_meta: headers sent on every call. */
  metadata?: Record<string, string>;
}

/** The options both Connection.connect (client) and NativeConnection.connect (worker) take. */
export type TemporalConnectOptions = Pick<TemporalConnection, 'address' | 'tls' | 'apiKey' | 'metadata'>;

const DEFAULT_NAMESPACE = 'default';

/** Every place that connects to Temporal takes its options from here (plus its own time-outs). */
export function temporalConnectOptions(t: TemporalConnectOptions): TemporalConnectOptions {
  const o: TemporalConnectOptions = { address: t.address };
  if (t.tls !== undefined) o.tls = t.tls;
  if (t.apiKey !== undefined) o.apiKey = t.apiKey;
  if (t.metadata !== undefined) o.metadata = t.metadata;
  return o;
}

/** gRPC status 16 or 7: grpc-js names the status; the Rust core (NativeConnection) gives its description. */
const REFUSED = /UNAUTHENTICATED|PERMISSION_DENIED|valid authentication credentials|does not have permission/;

/**
 * What to check when a connection fails: the credentials when the server refused them, else with TLS its settings
 * (a handshake the server refuses, for want of a trusted client certificate, often surfaces as a closed connection
 * rather than as the TLS alert). Undefined for a plaintext connection the server did not refuse.
 */
export function temporalConnectHint(t: TemporalConnectOptions, err: unknown): string | undefined {
  if (REFUSED.test(errorText(err)))
    return t.apiKey !== undefined
      ? "the server refused the API key (TEMPORAL_API_KEY or the profile's api_key)"
      : 'the server wants credentials: an API key (TEMPORAL_API_KEY) or a client certificate (TEMPORAL_TLS_CLIENT_CERT_PATH)';
  return t.tls
    ? 'TLS is on (TEMPORAL_TLS_* or the profile): check the server CA, the client certificate and its key, and the server name'
    : undefined;
}

/** A failed connection, saying where it went and what to check (never the API key or a key file). */
export function temporalConnectError(t: TemporalConnectOptions, err: unknown): Error {
  const hint = temporalConnectHint(t, err);
  return new Error(
    `cannot connect to Temporal at ${t.address ?? 'localhost:7233'}: ${errorText(err)}${hint ? `. ${hint}` : ''}`,
    { cause: err },
  );
}

/** An error's first line and its causes' (the SDK wraps the gRPC status in a generic "Failed to connect"). */
export function errorText(err: unknown): string {
  const parts: string[] = [];
  for (let e = err, depth = 0; e !== undefined && e !== null && depth < 5; e = (e as Error).cause, depth++)
    parts.push(firstLine(e));
  return parts.join(': ');
}

/** The TLS file settings of a profile, with the variable that sets each and its name in temporal.toml. */
const TLS_FILES = [
  {
    field: 'clientCert',
    variable: 'TEMPORAL_TLS_CLIENT_CERT_PATH',
    toml: 'client_cert',
    kind: 'certificate',
  },
  { field: 'clientKey', variable: 'TEMPORAL_TLS_CLIENT_KEY_PATH', toml: 'client_key', kind: 'key' },
  {
    field: 'serverCACert',
    variable: 'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
    toml: 'server_ca_cert',
    kind: 'certificate',
  },
] as const;

type Resolved =
  { connection: TemporalConnection; problems: [] } | { connection?: undefined; problems: string[] };

/**
 * Temporal's environment configuration, read once: the profile (TEMPORAL_PROFILE, default `default`) of the
 * config file (TEMPORAL_CONFIG_FILE, default ~/.config/temporalio/temporal.toml; none is fine), overridden by the
 * TEMPORAL_* variables. Problems come back as lines, for the caller's own error (ConfigError, a CLI usage error).
 */
export function temporalConnectionFromEnv(env: NodeJS.ProcessEnv): Resolved {
  // An empty variable is unset, as for every other setting here (compose files write `TEMPORAL_ADDRESS=`); an
  // empty TEMPORAL_GRPC_META_* keeps its envconfig meaning (remove that header).
  const vars = Object.fromEntries(
    Object.entries(env).filter(
      (e): e is [string, string] =>
        typeof e[1] === 'string' && (e[1].trim() !== '' || e[0].startsWith('TEMPORAL_GRPC_META_')),
    ),
  );
  const file = vars.TEMPORAL_CONFIG_FILE;
  const fileName = file ? `TEMPORAL_CONFIG_FILE (${file})` : 'the Temporal config file (temporal.toml)';
  const profileName = vars.TEMPORAL_PROFILE ?? 'default';
  // envconfig treats a missing file as no file at all; a file named on purpose that is not there is a mistake.
  if (file && !fs.existsSync(file)) return { problems: [`TEMPORAL_CONFIG_FILE: ${file} does not exist`] };
  if (vars.TEMPORAL_TLS !== undefined && !['1', '0', 'true', 'false'].includes(vars.TEMPORAL_TLS))
    return { problems: ['TEMPORAL_TLS: true or false'] };

  let profile: ClientConfigProfile;
  try {
    profile = loadClientConfigProfile({ overrideEnvVars: vars });
  } catch (err) {
    return { problems: [profileProblem(err, fileName, profileName)] };
  }
  // Named after the variable when one set it, else after the profile's own key.
  const where = (variable: string, key: string) =>
    vars[variable] !== undefined ? variable : `${key} of profile '${profileName}' in ${fileName}`;

  const problems = tlsFileProblems(profile.tls, where);
  const address = profile.address;
  if (address !== undefined && !/^[^\s:]+:\d+$/.test(address))
    problems.push(`${where('TEMPORAL_ADDRESS', 'address')}: host:port`);
  if (problems.length > 0) return { problems };

  let options;
  try {
    options = toClientOptions(profile);
  } catch (err) {
    return { problems: [`${fileName}: ${firstLine(err)}`] };
  }
  const o = options.connectionOptions;
  return {
    connection: {
      address: o.address,
      namespace: options.namespace || DEFAULT_NAMESPACE,
      ...(o.tls !== undefined && o.tls !== null ? { tls: o.tls } : {}),
      ...(o.apiKey !== undefined ? { apiKey: o.apiKey } : {}),
      ...(profile.grpcMeta !== undefined ? { metadata: profile.grpcMeta } : {}),
    },
    problems: [],
  };
}

/** Why envconfig could not load the profile, without the file's text (a TOML error quotes the line: a key's). */
function profileProblem(err: unknown, fileName: string, profileName: string): string {
  const e = err as { name?: string; line?: number; column?: number; message?: string };
  // smol-toml's TomlError (name 'Error'): its message quotes the lines around the mistake.
  if (typeof e?.line === 'number' && typeof e.column === 'number')
    return `${fileName}: not valid TOML (line ${e.line}, column ${e.column}): ${firstLine(err).replace(/^Invalid TOML document: /, '')}`;
  if (/^Profile '.*' not found/.test(e?.message ?? ''))
    return `TEMPORAL_PROFILE: no profile '${profileName}' in ${fileName}`;
  return `${fileName}: ${firstLine(err)}`;
}

/**
 * The TLS files must be readable and hold what they say (a certificate, a key), and a client certificate comes
 * with its key: envconfig would otherwise drop a lone certificate silently and connect without it.
 */
function tlsFileProblems(
  tls: ClientConfigTLS | undefined,
  where: (variable: string, key: string) => string,
): string[] {
  if (!tls || tls.disabled) return [];
  const problems: string[] = [];
  for (const f of TLS_FILES) {
    const source = tls[f.field];
    if (!source) continue;
    const name =
      'path' in source
        ? where(f.variable, `tls.${f.toml}_path`)
        : where(f.variable.replace(/_PATH$/, '_DATA'), `tls.${f.toml}_data`);
    let data: Buffer;
    try {
      data = 'path' in source ? fs.readFileSync(source.path) : Buffer.from(source.data);
    } catch (err) {
      problems.push(
        `${name}: cannot read ${(source as { path: string }).path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      );
      continue;
    }
    try {
      if (f.kind === 'key') createPrivateKey(data);
      else new X509Certificate(data);
    } catch {
      problems.push(`${name}: not a PEM ${f.kind === 'key' ? 'private key' : 'certificate'}`);
    }
  }
  const [cert, key] = [TLS_FILES[0], TLS_FILES[1]];
  if (tls.clientCert && !tls.clientKey)
    problems.push(
      `${key.variable}: ${where(cert.variable, 'tls.client_cert_path')} is set: its key is needed too`,
    );
  if (tls.clientKey && !tls.clientCert)
    problems.push(
      `${cert.variable}: ${where(key.variable, 'tls.client_key_path')} is set: its certificate is needed too`,
    );
  return problems;
}

const firstLine = (err: unknown): string => String((err as Error)?.message ?? err).split('\n')[0]!;
