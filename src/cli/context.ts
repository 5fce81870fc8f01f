/**
 * What every command shares: the streams it writes to, the global options (where the API and Temporal
 * are), the API client they give, the output mode (text, or JSON with --json / -o json) and the exit code.
 */
import { Option, type Command } from 'commander';
import { temporalConnectionFromEnv, type TemporalConnection } from '../temporal-connection';
import { ApiClient } from './api';
import { UsageError } from './errors';
import { parseDuration, parseNonNegativeInt } from './parse';
import type { Out } from './progress';

const DEFAULT_API_URL = 'http://127.0.0.1:8080';
/** Where `list` looks when neither a flag nor Temporal's environment configuration names an address. */
const DEFAULT_TEMPORAL_ADDRESS = '127.0.0.1:7233';

export interface CliIo {
  stdout: Out;
  stderr: Out;
  /** Where defaults come from (DESKTOP_ALERTS_URL, DESKTOP_ALERTS_API_KEY, and Temporal's TEMPORAL_* / profile). */
  env: Record<string, string | undefined>;
  /** For `--json -` and `--csv -` (default process.stdin). */
  stdin?: NodeJS.ReadableStream;
}

/** The options of the program itself, which every command sees. */
interface GlobalOptions {
  apiUrl: string;
  apiKey?: string;
  temporalAddress?: string;
  namespace?: string;
  timeout: string;
  retries: string;
}

export function addGlobalOptions(program: Command, env: CliIo['env']): Command {
  return program
    .option(
      '--api-url <url>',
      'ingress base URL (env DESKTOP_ALERTS_URL)',
      env.DESKTOP_ALERTS_URL || DEFAULT_API_URL,
    )
    .option('--api-key <key>', 'ingress API key (env DESKTOP_ALERTS_API_KEY)')
    .option(
      '--temporal-address <host:port>',
      `Temporal frontend, for list (default: Temporal's environment configuration, TEMPORAL_ADDRESS or the TEMPORAL_PROFILE of temporal.toml, else ${DEFAULT_TEMPORAL_ADDRESS})`,
    )
    .option(
      '--namespace <namespace>',
      "Temporal namespace (default: TEMPORAL_NAMESPACE or the profile's, else default)",
    )
    .option('--timeout <duration>', 'per-request timeout', '10s')
    .option(
      '--retries <n>',
      'retries of a request answered 503 or dropped (it carries an idempotency key, so this is safe)',
      '2',
    );
}

/** How a command is asked for JSON output: `-o json`, or a bare `--json`. */
export interface OutputOptions {
  json?: boolean;
  output?: string;
}

export const outputOption = () =>
  new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text');

/** `--json` and `-o, --output`, after the command's own options. */
export const addOutputOptions = (cmd: Command): Command =>
  cmd.option('--json', 'JSON output').addOption(outputOption());

export class CommandContext {
  /** JSON output. Each command sets it before anything can fail, so its errors are printed as JSON too. */
  json = false;
  /** The exit code of a command that ends without an error (a bulk send with rejected rows ends 1). */
  exitCode = 0;

  constructor(readonly io: CliIo) {}

  setOutput(opts: OutputOptions): void {
    this.json = opts.output === 'json' || opts.json === true;
  }

  /** A command's result on stdout: `text`, or `json` with JSON output. */
  print(text: string, json: unknown): void {
    this.io.stdout.write(this.json ? JSON.stringify(json, null, 2) + '\n' : text);
  }

  globals(cmd: Command): GlobalOptions {
    return cmd.optsWithGlobals() as unknown as GlobalOptions;
  }

  /**
   * How `list` reaches Temporal: Temporal's environment configuration (TEMPORAL_ADDRESS, TEMPORAL_API_KEY,
   * TEMPORAL_TLS_*, TEMPORAL_PROFILE..., as the service reads it), with --temporal-address and --namespace over it.
   */
  temporal(cmd: Command): TemporalConnection {
    const g = this.globals(cmd);
    const resolved = temporalConnectionFromEnv(this.io.env);
    if (!resolved.connection) throw new UsageError(resolved.problems.join('; '));
    if (g.temporalAddress !== undefined && !/^[^\s:]+:\d+$/.test(g.temporalAddress))
      throw new UsageError(`--temporal-address: expected host:port, got '${g.temporalAddress}'`);
    return {
      ...resolved.connection,
      address: g.temporalAddress ?? resolved.connection.address ?? DEFAULT_TEMPORAL_ADDRESS,
      namespace: g.namespace ?? resolved.connection.namespace,
    };
  }

  /** Run `fn` with a client for the API the global options name, and release the client after. */
  async withApi<T>(cmd: Command, fn: (api: ApiClient) => Promise<T>): Promise<T> {
    const api = this.apiClient(cmd);
    try {
      return await fn(api);
    } finally {
      await api.close();
    }
  }

  private apiClient(cmd: Command): ApiClient {
    const g = this.globals(cmd);
    let url: URL;
    try {
      url = new URL(g.apiUrl);
    } catch {
      throw new UsageError(`--api-url: '${g.apiUrl}' is not a URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new UsageError(`--api-url: '${g.apiUrl}' must be http(s)`);
    return new ApiClient({
      baseUrl: url.toString(),
      apiKey: g.apiKey || this.io.env.DESKTOP_ALERTS_API_KEY || undefined,
      timeoutMs: parseDuration(g.timeout, '--timeout'),
      retries: parseNonNegativeInt(g.retries, '--retries'),
    });
  }
}
