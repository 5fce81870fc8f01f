import { Command, CommanderError, Option } from 'commander';
import type { AlertState } from '../shared/messages';
import { buildBody, ensureKey, type AlertBody, type AlertSpec } from './alert-body';
import { alertsFromCsv, alertsFromJson, readInput } from './alert-input';
import { ApiClient, ApiError } from './api';
import { sendMany, type BulkResult } from './bulk';
import { CliError, UsageError } from './errors';
import { renderState, shortTime, table, truncate } from './format';
import { buildListQuery, listAlerts, type AlertRow } from './list';
import { collect, parseDuration, parsePositiveInt, parseSince } from './parse';
import type { Out } from './progress';

export const DEFAULT_API_URL = 'http://127.0.0.1:8080';
export const DEFAULT_TEMPORAL_ADDRESS = '127.0.0.1:7233';

export interface CliIo {
  stdout: Out;
  stderr: Out;
  /** Where defaults come from (DESKTOP_ALERTS_URL, DESKTOP_ALERTS_API_KEY, TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE). */
  env: Record<string, string | undefined>;
  /** For `--json -` and `--csv -` (default process.stdin). */
  stdin?: NodeJS.ReadableStream;
}

interface Globals {
  apiUrl: string;
  apiKey?: string;
  temporalAddress: string;
  namespace: string;
  timeout: string;
  retries: string;
}

interface Ctx {
  io: CliIo;
  json: boolean;
}

const outputOption = () =>
  new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text');

/**
 * The whole CLI as a function: parse `argv` (without node and the script), run the command, and
 * return the exit code (0 ok, 1 the command failed, 2 usage error). Nothing here calls process.exit.
 */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const ctx: Ctx = { io, json: false };
  let exitCode = 0;
  const program = buildProgram(ctx, (code) => (exitCode = code));
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2; // commander printed the message
    if (err instanceof UsageError) {
      io.stderr.write(
        `error: ${err.message}\n(run 'desktop-alerts ${currentCommand(argv)}--help' for usage)\n`,
      );
      return 2;
    }
    if (err instanceof CliError) {
      if (ctx.json)
        io.stdout.write(JSON.stringify(err.json ?? { error: { detail: err.message } }, null, 2) + '\n');
      else io.stderr.write(`error: ${err.message}\n${err.lines.map((l) => `  ${l}\n`).join('')}`);
      return 1;
    }
    io.stderr.write(`error: ${(err as Error)?.stack ?? String(err)}\n`);
    return 1;
  }
}

const COMMANDS = new Set(['send', 'status', 'list', 'cancel', 'dlq']);
const currentCommand = (argv: string[]): string => {
  const i = argv.findIndex((a) => COMMANDS.has(a));
  if (i < 0) return '';
  return argv[i] === 'dlq' && (argv[i + 1] === 'list' || argv[i + 1] === 'replay')
    ? `dlq ${argv[i + 1]} `
    : `${argv[i]} `;
};

function buildProgram(ctx: Ctx, setExit: (code: number) => void): Command {
  const { io } = ctx;
  const env = io.env;
  const program = new Command('desktop-alerts')
    .description('Send and inspect desktop alerts (ingress HTTP API and Temporal visibility).')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      getOutHelpWidth: () => io.stdout.columns ?? 100,
      getErrHelpWidth: () => io.stderr.columns ?? 100,
    })
    .showHelpAfterError('(add --help for usage)')
    .option(
      '--api-url <url>',
      'ingress base URL (env DESKTOP_ALERTS_URL)',
      env.DESKTOP_ALERTS_URL || DEFAULT_API_URL,
    )
    .option('--api-key <key>', 'ingress API key (env DESKTOP_ALERTS_API_KEY)')
    .option(
      '--temporal-address <host:port>',
      'Temporal frontend, for list (env TEMPORAL_ADDRESS)',
      env.TEMPORAL_ADDRESS || DEFAULT_TEMPORAL_ADDRESS,
    )
    .option(
      '--namespace <namespace>',
      'Temporal namespace (env TEMPORAL_NAMESPACE)',
      env.TEMPORAL_NAMESPACE || 'default',
    )
    .option('--timeout <duration>', 'per-request timeout', '10s')
    .option(
      '--retries <n>',
      'retries of a request answered 503 or dropped (it carries an idempotency key, so this is safe)',
      '2',
    );
  program.addHelpText(
    'after',
    `
Exit codes: 0 ok, 1 the command failed (the API refused, the alert is unknown, nothing answered), 2 usage error.
Every command takes --json (or -o json) for machine-readable output on stdout.`,
  );

  const globals = (cmd: Command): Globals => cmd.optsWithGlobals() as unknown as Globals;
  const api = (cmd: Command): ApiClient => {
    const g = globals(cmd);
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
      apiKey: g.apiKey || env.DESKTOP_ALERTS_API_KEY || undefined,
      timeoutMs: parseDuration(g.timeout, '--timeout'),
      retries: parsePositiveIntOrZero(g.retries, '--retries'),
    });
  };
  const withApi = async <T>(cmd: Command, fn: (a: ApiClient) => Promise<T>): Promise<T> => {
    const a = api(cmd);
    try {
      return await fn(a);
    } finally {
      await a.close();
    }
  };
  const setOutput = (opts: { output?: string; json?: unknown }) => {
    ctx.json = opts.output === 'json' || opts.json === true;
  };
  const print = (text: string, json: unknown) =>
    io.stdout.write(ctx.json ? JSON.stringify(json, null, 2) + '\n' : text);

  // ---------------------------------------------------------------------------------------- send
  program
    .command('send')
    .description('send one alert (flags or --json FILE), or many (--csv FILE, or a JSON array)')
    .option('--user-id <id>', 'target agent by Genesys user id')
    .option('--email <address>', 'target agent by email')
    .option('--title <text>', 'toast title')
    .option('--message <text>', 'toast body')
    .option('--type <type>', 'info | warning | error')
    .option('--priority <priority>', 'high | normal | low (default normal)')
    .option('--action <label=url>', 'an "open URL" button (repeatable)', collect)
    .option(
      '--ack-action <label>',
      'a button the agent acknowledges with (repeatable); the alert then waits for it',
      collect,
    )
    .option('--expires-in <duration>', 'e.g. 15m, 2h (default: the service TTL)')
    .option('--idempotency-key <key>', 'the same key again never sends twice (default: a new one)')
    .option(
      '--metadata <key=value>',
      'routing data, repeatable (source and transactionId are searchable)',
      collect,
    )
    .option(
      '--json [FILE]',
      'read the alert body (or an array of bodies) from FILE, - for stdin; alone: JSON output',
    )
    .option(
      '--csv <FILE>',
      'send one alert per row (columns named like the flags; flags give defaults), - for stdin',
    )
    .option('--concurrency <n>', 'requests in flight with --csv or a JSON array', '8')
    .addOption(outputOption())
    .addHelpText(
      'after',
      `
Examples:
  desktop-alerts send --email jordan.smith@example.com --type warning --title "Compliance review" \\
      --message "Case TXN-88921 needs a second look" --action "Open case=https://crm.example.com/c/88921" \\
      --ack-action Acknowledge --expires-in 15m --metadata transactionId=TXN-88921
  desktop-alerts send --json alert.json
  desktop-alerts send --csv alerts.csv --type info --title "Maintenance tonight"

CSV columns: user-id, email, title, message, type, priority, action, ack-action, expires-in,
idempotency-key, metadata (k=v;k2=v2), metadata.<key>. action/ack-action cells may hold several
values separated by ';'. Rows without an idempotency-key get one derived from the file's content and
row, so sending the same file again sends nothing twice. Exit code 1 when any row was rejected.`,
    )
    .action(async ({ json, csv, concurrency: concurrencyText, output, ...spec }: SendOpts, cmd: Command) => {
      const jsonFile = typeof json === 'string' ? json : undefined;
      setOutput({ output, json: json === true });
      if (csv && jsonFile) throw new UsageError('give --csv or --json FILE, not both');
      const concurrency = parsePositiveInt(concurrencyText, '--concurrency', 256);
      if (csv || jsonFile) {
        const source = (csv ?? jsonFile)!;
        const content = await readInput(source, io.stdin);
        const input = csv ? { items: alertsFromCsv(content, spec) } : alertsFromJson(content, source, spec);
        if ('body' in input) return sendOne(cmd, input.body);
        const { items } = input;
        if (spec.idempotencyKey && items.length > 1)
          throw new UsageError('--idempotency-key cannot apply to many alerts (each needs its own key)');
        const result = await withApi(cmd, (a) => sendMany(a, items, { concurrency, progress: io.stderr }));
        print(renderBulk(result), result);
        setExit(result.rejected > 0 || result.failed > 0 ? 1 : 0);
        return;
      }
      if (Object.values(spec).every((v) => v === undefined))
        throw new UsageError(
          'nothing to send: give the alert as flags (--user-id/--email, --title, --message, --type, ...), --json FILE or --csv FILE',
        );
      await sendOne(cmd, buildBody(spec));
    });

  const sendOne = async (cmd: Command, body: AlertBody) => {
    const res = await withApi(cmd, (a) =>
      a.call<{ alertId: string; status: 'accepted' | 'duplicate' }>('POST', '/v1/alerts', ensureKey(body)),
    );
    const { alertId, status } = res.body;
    print(
      status === 'duplicate'
        ? `duplicate  ${alertId}  (an alert with this idempotency key exists; nothing was sent)\n`
        : `accepted   ${alertId}\n`,
      res.body,
    );
  };

  // -------------------------------------------------------------------------------------- status
  program
    .command('status')
    .description("an alert's state: stage, agent, notification, actions, fallback, failure reason")
    .argument('<id>', 'alert id (alert-<key>) or its idempotency key')
    .option('--json', 'JSON output')
    .addOption(outputOption())
    .action(async (id: string, opts: { json?: boolean; output?: string }, cmd: Command) => {
      setOutput(opts);
      const alertId = toAlertId(id);
      const res = await withApi(cmd, (a) =>
        a.call<AlertState>('GET', `/v1/alerts/${encodeURIComponent(alertId)}`),
      ).catch(notFound(alertId));
      print(renderState(res.body), res.body);
    });

  // -------------------------------------------------------------------------------------- cancel
  program
    .command('cancel')
    .description('stop an alert (it withdraws the toast and ends as cancelled)')
    .argument('<id>', 'alert id (alert-<key>) or its idempotency key')
    .option('--reason <text>', 'why (kept in the alert state)')
    .option('--json', 'JSON output')
    .addOption(outputOption())
    .action(async (id: string, opts: { reason?: string; json?: boolean; output?: string }, cmd: Command) => {
      setOutput(opts);
      const alertId = toAlertId(id);
      const res = await withApi(cmd, (a) =>
        a.call<{ alertId: string; status: string }>(
          'POST',
          `/v1/alerts/${encodeURIComponent(alertId)}/cancel`,
          opts.reason ? { reason: opts.reason } : {},
        ),
      ).catch((err: unknown) => {
        if (err instanceof ApiError && err.status === 409)
          throw new CliError(`alert ${alertId} is already closed`, [], err.json);
        return notFound(alertId)(err);
      });
      print(`cancelling ${res.body.alertId}\n`, res.body);
    });

  // ---------------------------------------------------------------------------------------- list
  program
    .command('list')
    .description('find alerts through Temporal visibility (search attributes), newest first')
    .option('--status <status>', 'e.g. awaiting_action, failed (repeatable or comma-separated)', collectList)
    .option('--type <type>', 'info | warning | error (repeatable)', collectList)
    .option('--priority <priority>', 'high | normal | low (repeatable)', collectList)
    .option(
      '--agent <agent>',
      'Genesys user id (an alert sent to an email carries the email only until the agent is resolved) (repeatable)',
      collectList,
    )
    .option('--source <source>', 'metadata.source (repeatable)', collectList)
    .option('--transaction-id <id>', 'metadata.transactionId (repeatable)', collectList)
    .option('--since <when>', 'started within a duration (24h) or since an ISO time')
    .option('--query <clause>', 'an extra visibility clause, ANDed')
    .option('--limit <n>', 'at most this many', '50')
    .option('--json', 'JSON output')
    .addOption(outputOption())
    .action(async (opts: ListOpts, cmd: Command) => {
      setOutput(opts);
      const g = globals(cmd);
      const query = buildListQuery({
        status: opts.status,
        type: opts.type,
        priority: opts.priority,
        agent: opts.agent,
        source: opts.source,
        transactionId: opts.transactionId,
        since: opts.since ? parseSince(opts.since, new Date()) : undefined,
        query: opts.query,
      });
      const limit = parsePositiveInt(opts.limit, '--limit', 10_000);
      if (!/^[^\s:]+:\d+$/.test(g.temporalAddress))
        throw new UsageError(`--temporal-address: expected host:port, got '${g.temporalAddress}'`);
      const rows = await listAlerts(
        {
          address: g.temporalAddress,
          namespace: g.namespace,
          connectTimeoutMs: parseDuration(g.timeout, '--timeout'),
        },
        query,
        limit,
      );
      print(renderList(rows), rows);
    });

  // ----------------------------------------------------------------------------------------- dlq
  const dlq = program.command('dlq').description('dead-lettered desktop callbacks: list and replay');
  dlq
    .command('list')
    .description('callbacks that could not be applied, with their reason')
    .option('--limit <n>', 'page size', '100')
    .option('--after <id>', 'start after this dead-letter id')
    .option('--json', 'JSON output')
    .addOption(outputOption())
    .action(
      async (opts: { limit: string; after?: string; json?: boolean; output?: string }, cmd: Command) => {
        setOutput(opts);
        const limit = parsePositiveInt(opts.limit, '--limit', 1000);
        const after = opts.after === undefined ? 0 : parsePositiveIntOrZero(opts.after, '--after');
        const res = await withApi(cmd, (a) =>
          a.call<DeadLetterPage>('GET', `/v1/dead-letters?limit=${limit}&after=${after}`),
        );
        print(renderDeadLetters(res.body), res.body);
      },
    );
  dlq
    .command('replay')
    .description('put dead letters back in the relay queue (they are applied again)')
    .argument('[id]', 'dead-letter id')
    .option('--all', 'every dead letter')
    .option('--json', 'JSON output')
    .addOption(outputOption())
    .action(
      async (
        id: string | undefined,
        opts: { all?: boolean; json?: boolean; output?: string },
        cmd: Command,
      ) => {
        setOutput(opts);
        if ((id === undefined) === !opts.all)
          throw new UsageError('give a dead-letter id or --all (not both)');
        if (opts.all) {
          const res = await withApi(cmd, (a) =>
            a.call<{ replayed: number; skipped: number }>('POST', '/v1/dead-letters/replay'),
          );
          print(
            `replayed ${res.body.replayed}, skipped ${res.body.skipped} (bodies that still cannot be used)\n`,
            res.body,
          );
          return;
        }
        const n = parsePositiveInt(id!, 'id', Number.MAX_SAFE_INTEGER);
        const res = await withApi(cmd, (a) =>
          a.call<{ id: number; status: string }>('POST', `/v1/dead-letters/${n}/replay`),
        ).catch((err: unknown) => {
          if (err instanceof ApiError && err.status === 404)
            throw new CliError(`no dead letter with id ${n}`, [], err.json);
          if (err instanceof ApiError && err.status === 409)
            throw new CliError(
              `dead letter ${n} cannot be replayed: ${err.problem.detail ?? 'conflict'}`,
              [],
              err.json,
            );
          throw err;
        });
        print(`replayed dead letter ${res.body.id}\n`, res.body);
      },
    );

  return program;
}

/** `send`'s flags: the alert's own, and how to read and send it. */
type SendOpts = AlertSpec & {
  /** A file (or - for stdin) to read the alert from; alone (true): JSON output. */
  json?: string | true;
  csv?: string;
  concurrency: string;
  output?: string;
};

interface ListOpts {
  status?: string[];
  type?: string[];
  priority?: string[];
  agent?: string[];
  source?: string[];
  transactionId?: string[];
  since?: string;
  query?: string;
  limit: string;
  json?: boolean;
  output?: string;
}

interface DeadLetterPage {
  items: Array<{
    id: number;
    reason: string | null;
    detail: string | null;
    alertId: string | null;
    attempts: number;
    receivedAt: string;
    updatedAt: string;
  }>;
  total: number;
  next: string | null;
}

const collectList = (value: string, previous: string[] = []): string[] => [
  ...previous,
  ...value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean),
];

function parsePositiveIntOrZero(text: string, what: string): number {
  if (!/^\d{1,15}$/.test(text)) throw new UsageError(`${what}: expected a whole number, got '${text}'`);
  return Number(text);
}

/** Accept the alert id or the idempotency key it was sent with. */
const toAlertId = (id: string): string => (id.startsWith('alert-') ? id : `alert-${id}`);

const notFound =
  (alertId: string) =>
  (err: unknown): never => {
    if (err instanceof ApiError && err.status === 404)
      throw new CliError(`no alert with id ${alertId}`, [], err.json);
    throw err;
  };

function renderBulk(r: BulkResult): string {
  const lines = [
    `${r.total} row(s): ${r.accepted} accepted, ${r.duplicate} duplicate, ${r.rejected} rejected${r.failed ? `, ${r.failed} failed` : ''}`,
  ];
  const rejected = r.rows.filter((o) => o.status === 'rejected');
  if (rejected.length > 0) {
    lines.push('rejected:');
    for (const o of rejected) lines.push(`  ${o.where}: ${o.errors.join('; ')}`);
  }
  const failed = r.rows.filter((o) => o.status === 'failed');
  if (failed.length > 0) {
    lines.push('failed (no answer; running the same input again is safe, the keys are the same):');
    for (const o of failed) lines.push(`  ${o.where}: ${o.errors.join('; ')}`);
  }
  return lines.join('\n') + '\n';
}

function renderList(rows: AlertRow[]): string {
  if (rows.length === 0) return 'no alerts match\n';
  return table(
    ['ALERT ID', 'STATUS', 'TYPE', 'PRIORITY', 'AGENT', 'STARTED'],
    rows.map((r) => [r.alertId, r.status, r.type, r.priority, r.agent, shortTime(r.startedAt)]),
  );
}

function renderDeadLetters(p: DeadLetterPage): string {
  if (p.items.length === 0)
    return p.total === 0 ? 'no dead letters\n' : `no dead letters on this page (${p.total} in all)\n`;
  const t = table(
    ['ID', 'RECEIVED', 'REASON', 'ALERT', 'ATTEMPTS', 'DETAIL'],
    p.items.map((d) => [
      String(d.id),
      shortTime(d.receivedAt),
      d.reason ?? '',
      d.alertId ?? '',
      String(d.attempts),
      truncate((d.detail ?? '').replace(/\s+/g, ' '), 80),
    ]),
  );
  const last = p.items.at(-1)!;
  return `${t}${p.items.length} of ${p.total} dead letter(s)${p.next ? `; more: desktop-alerts dlq list --after ${last.id}` : ''}\n`;
}
