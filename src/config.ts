import { z } from 'zod';
import { DESKTOP_CHANNELS, type DesktopChannel } from './shared/agent-app';
import { DEFAULT_DOWNSTREAM_RETRY_SECONDS } from './shared/constants';
import { temporalConnectionFromEnv, type TemporalConnection } from './temporal-connection';

export { DESKTOP_CHANNELS, type DesktopChannel };

/** Genesys Cloud regions (GENESYS.md): API at https://api.{host}, login at https://login.{host}. */
const GENESYS_REGIONS = [
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
] as const;

/** The guide's path of the desktop notifications endpoint, which the public Platform API does not have. */
const GUIDE_NOTIFICATIONS_PATH = '/api/v2/desktop/notifications';

const emptyToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const opt = <T extends z.ZodTypeAny>(s: T) => z.preprocess(emptyToUndefined, s.optional());
const url = z.url({ protocol: /^https?$/ });
const num = (def: number, lo: number, hi: number) => z.coerce.number().min(lo).max(hi).default(def);

/** The shortest Standard Webhooks key taken: 24 bytes (192 bits) once decoded. */
const MIN_SECRET_BYTES = 24;
/**
 * A Standard Webhooks secret, `whsec_<base64>`, whose key is at least MIN_SECRET_BYTES. Checked decoded: padding
 * alone (`whsec_================`) used to pass and then failed every signature with a 500.
 */
const webhookSecret = z
  .string()
  .refine(
    (v) =>
      /^whsec_[A-Za-z0-9+/]+={0,2}$/.test(v) &&
      Buffer.from(v.slice('whsec_'.length), 'base64').length >= MIN_SECRET_BYTES,
    `whsec_<base64> of at least ${MIN_SECRET_BYTES} bytes once decoded (make one: echo whsec_$(openssl rand -base64 32))`,
  );

/** The length of an AES-256 key: each TEMPORAL_PAYLOAD_KEYS key decodes to exactly this many bytes. */
export const PAYLOAD_KEY_BYTES = 32;

/** One key of TEMPORAL_PAYLOAD_KEYS: its id (recorded in each payload it encrypts) and its 32 bytes. */
export interface PayloadKey {
  id: string;
  key: Buffer;
}

/**
 * TEMPORAL_PAYLOAD_KEYS: `keyId:base64,...`, the first key encrypts and every key decrypts (rotation: prepend the
 * new key, drop the old one once no open run or history you still read needs it). Problems name the entry by its
 * position and id, never its value.
 */
const payloadKeys = z.string().transform((v, ctx) => {
  const keys: PayloadKey[] = [];
  const entries = v
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  if (entries.length === 0) ctx.addIssue({ code: 'custom', message: 'at least one keyId:base64 entry' });
  entries.forEach((entry, i) => {
    const colon = entry.indexOf(':');
    const id = colon > 0 ? entry.slice(0, colon) : '';
    const b64 = colon > 0 ? entry.slice(colon + 1) : '';
    const where = `entry ${i + 1}${/^[A-Za-z0-9._-]{1,64}$/.test(id) ? ` (key id ${id})` : ''}`;
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(id)) {
      ctx.addIssue({
        code: 'custom',
        message: `${where}: keyId:base64, the key id of 1-64 letters, digits, . _ -`,
      });
    } else if (keys.some((k) => k.id === id)) {
      ctx.addIssue({ code: 'custom', message: `${where}: the key id is used twice` });
    } else if (
      !/^[A-Za-z0-9+/]+={0,2}$/.test(b64) ||
      Buffer.from(b64, 'base64').length !== PAYLOAD_KEY_BYTES
    ) {
      ctx.addIssue({
        code: 'custom',
        message: `${where}: the key must be base64 of exactly ${PAYLOAD_KEY_BYTES} bytes (make one: echo key1:$(openssl rand -base64 32))`,
      });
    } else keys.push({ id, key: Buffer.from(b64, 'base64') });
  });
  return keys;
});

/** A comma list of origins (`scheme://host[:port]`), http or https: where an operator's Temporal UI runs. */
const originList = z
  .string()
  .transform((v) =>
    v
      .split(',')
      .map((x) => x.trim().replace(/\/+$/, ''))
      .filter(Boolean),
  )
  .pipe(
    z
      .array(
        z.string().refine((o) => {
          try {
            const u = new URL(o);
            return (u.protocol === 'https:' || u.protocol === 'http:') && u.origin === o;
          } catch {
            return false;
          }
        }, 'a comma list of origins (http[s]://host[:port])'),
      )
      .min(1),
  );

const EnvSchema = z.object({
  NODE_ENV: opt(z.string()),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // The connection itself (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_*, TEMPORAL_PROFILE
  // ...) is Temporal's environment configuration: src/temporal-connection.ts reads it.
  TEMPORAL_PAYLOAD_KEYS: opt(payloadKeys),
  TEMPORAL_PAYLOAD_ENCRYPTION: opt(z.enum(['on', 'off'])),
  TEMPORAL_CODEC_CORS_ORIGINS: opt(originList),
  GENESYS_REGION: opt(z.enum(GENESYS_REGIONS)),
  GENESYS_API_BASE: opt(url),
  GENESYS_LOGIN_BASE: opt(url),
  GENESYS_CLIENT_ID: opt(z.string().min(1)),
  GENESYS_CLIENT_SECRET: opt(z.string().min(1)),
  GENESYS_RATE_LIMIT_PER_MINUTE: num(300, 1, 1_000_000),
  GENESYS_RATE_LIMIT_SHARE: num(0.8, 0.01, 1),
  GENESYS_NOTIFICATIONS_PATH: z.string().startsWith('/').default(GUIDE_NOTIFICATIONS_PATH),
  DESKTOP_CHANNELS: opt(
    z
      .string()
      .transform((v) =>
        v
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.enum(DESKTOP_CHANNELS)).min(1)),
  ),
  GENESYS_APP_CLIENT_ID: opt(z.string().min(1).max(200)),
  GENESYS_APP_HOST_ORIGINS: opt(
    z
      .string()
      .transform((v) =>
        v
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.string().refine(isOrigin, 'a comma list of origins (https://host[:port])')).min(1)),
  ),
  AGENT_APP_HEARTBEAT_SECONDS: num(10, 1, 60),
  GENESYS_TIMEOUT_MS: num(10_000, 100, 120_000),
  // The longest Retry-After honoured (a 429 pauses every worker that long); at most a day.
  GENESYS_RETRY_AFTER_MAX_SECONDS: num(300, 1, 86_400),
  PUBLIC_BASE_URL: opt(url),
  CALLBACK_SIGNING_SECRET: opt(webhookSecret),
  INGRESS_API_KEYS: opt(z.string().min(1)),
  // Requests per minute each API key may make under /v1 (0: no limit).
  INGRESS_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).max(10_000_000).default(6000),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  // Loopback unless told otherwise: a container that must be reachable sets HOST=0.0.0.0 (Dockerfile, compose).
  HOST: z.string().min(1).default('127.0.0.1'),
  SMTP_URL: opt(z.url({ protocol: /^smtps?$/ })),
  SMTP_FROM: z.string().default('desktop-alerts@localhost'),
  FALLBACK_WEBHOOK_URL: opt(url),
  FALLBACK_WEBHOOK_SIGNING_SECRET: opt(webhookSecret),
  FALLBACK_EMAIL_ALLOWED_DOMAINS: opt(
    z
      .string()
      .transform((v) =>
        v
          .split(',')
          .map((x) => x.trim().toLowerCase())
          .filter(Boolean),
      )
      .pipe(
        z.array(
          z
            .string()
            .regex(
              /^(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)+$/,
              'a comma list of email domains (example.com, or *.example.com for its subdomains)',
            ),
        ),
      ),
  ),
  METRICS_TOKEN: opt(z.string().min(16, 'at least 16 characters (make one: openssl rand -hex 24)')),
  DOWNSTREAM_WEBHOOK_URL: opt(url),
  DOWNSTREAM_SIGNING_SECRET: opt(webhookSecret),
  DOWNSTREAM_RETRY_MAX_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .max(604_800)
    .default(DEFAULT_DOWNSTREAM_RETRY_SECONDS),
  ACTION_URL_ALLOWED_HOSTS: opt(z.string()),
  DEFAULT_ALERT_TTL_SECONDS: num(3600, 10, 86_400),
  DATA_DIR: z.string().default('.data'),
  CALLBACK_RETENTION_DAYS: num(7, 0, 3650),
  TEMPORAL_METRICS_BIND: opt(z.string().regex(/^[^\s]+:\d+$/, 'host:port')),
  WORKER_METRICS_PORT: opt(z.coerce.number().int().min(0).max(65535)),
});

/**
 * Rules across variables. They read the raw strings so they are reported together with the
 * per-variable problems (a refinement on the object would only run once every field parsed).
 */
function crossFieldProblems(env: NodeJS.ProcessEnv): string[] {
  const set = (k: string) => typeof env[k] === 'string' && env[k]!.trim() !== '';
  const out: string[] = [];
  const bases = set('GENESYS_API_BASE') && set('GENESYS_LOGIN_BASE');
  if ((set('GENESYS_API_BASE') || set('GENESYS_LOGIN_BASE')) && !bases) {
    out.push('GENESYS_API_BASE: set GENESYS_API_BASE and GENESYS_LOGIN_BASE together');
  }
  if (set('GENESYS_REGION') && (set('GENESYS_API_BASE') || set('GENESYS_LOGIN_BASE'))) {
    out.push('GENESYS_REGION: set either GENESYS_REGION or the two base URLs, not both');
  }
  if (set('GENESYS_CLIENT_ID') !== set('GENESYS_CLIENT_SECRET')) {
    out.push('GENESYS_CLIENT_SECRET: set GENESYS_CLIENT_ID and GENESYS_CLIENT_SECRET together');
  }
  if (set('INGRESS_API_KEYS')) out.push(...apiKeyProblems(list(env.INGRESS_API_KEYS)));
  if (set('GENESYS_CLIENT_ID') && !set('GENESYS_REGION') && !bases) {
    out.push('GENESYS_REGION: credentials are set: also set GENESYS_REGION (or both base URLs)');
  }
  return out;
}

/** `https://host[:port]` (or http:// on a loopback host), nothing after it: what postMessage and CSP compare. */
function isOrigin(v: string): boolean {
  try {
    const u = new URL(v);
    const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
    return (
      (u.protocol === 'https:' || (u.protocol === 'http:' && loopback)) && u.origin === v.replace(/\/+$/, '')
    );
  } catch {
    return false;
  }
}

/** The Genesys Cloud host of a real org (`mypurecloud.com`), from GENESYS_REGION or a Genesys API base. */
function genesysHostOf(region: string | undefined, apiBase: string | undefined): string | undefined {
  if (region) return region;
  if (!isGenesysCloudHost(apiBase)) return undefined;
  return new URL(apiBase!).hostname.toLowerCase().replace(/^api\./, '');
}

/** An API base on a Genesys Cloud host (a region of GENESYS_REGIONS, or another *pure.cloud / mypurecloud one). */
function isGenesysCloudHost(base: string | undefined): boolean {
  let host: string;
  try {
    host = new URL(base ?? '').hostname.toLowerCase();
  } catch {
    return false;
  }
  return (
    GENESYS_REGIONS.some((r) => host === r || host.endsWith(`.${r}`)) ||
    /(^|\.)(mypurecloud\.[a-z.]+|[a-z0-9-]*pure\.cloud)$/.test(host)
  );
}

export type Env = z.infer<typeof EnvSchema>;

/** What an API key may do: `sender` starts alerts and reads or cancels its own; `reader` reads any; `admin` all. */
export const API_KEY_ROLES = ['sender', 'reader', 'admin'] as const;
export type ApiKeyRole = (typeof API_KEY_ROLES)[number];

export interface ApiKey {
  /** Shown in logs, audit lines and the AlertSource search attribute; never the key itself. */
  name: string;
  role: ApiKeyRole;
  key: string;
}

const KEY_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** A named key's secret part: long enough that guessing is hopeless (openssl rand -hex 16 gives 32). */
const MIN_NAMED_KEY_CHARS = 16;

/**
 * INGRESS_API_KEYS entries: `name:role:key` (the key may itself hold colons), or a plain key with no colon, read as
 * it always was: it may do everything (role admin), named `key-1`, `key-2`... by its position in the list.
 */
export function parseApiKeys(entries: readonly string[]): ApiKey[] {
  return entries.map((entry, i) => {
    const at = entry.indexOf(':');
    if (at < 0) return { name: `key-${i + 1}`, role: 'admin', key: entry };
    const second = entry.indexOf(':', at + 1);
    return {
      name: entry.slice(0, at),
      role: entry.slice(at + 1, second) as ApiKeyRole,
      key: entry.slice(second + 1),
    };
  });
}

/** One line per bad INGRESS_API_KEYS entry, by position and name (never the key). */
function apiKeyProblems(entries: readonly string[]): string[] {
  const out: string[] = [];
  const names = new Set<string>();
  entries.forEach((entry, i) => {
    const where = `INGRESS_API_KEYS: entry ${i + 1}`;
    const colons = entry.split(':').length - 1;
    if (colons === 0) return;
    if (colons < 2) return out.push(`${where}: expected name:role:key (or a plain key with no colon)`);
    const k = parseApiKeys([entry])[0]!;
    if (!KEY_NAME.test(k.name))
      out.push(
        `${where}: the name must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit`,
      );
    if (!(API_KEY_ROLES as readonly string[]).includes(k.role))
      out.push(`${where} (${k.name}): the role must be one of ${API_KEY_ROLES.join(', ')}`);
    if (k.key.length < MIN_NAMED_KEY_CHARS)
      out.push(
        `${where} (${k.name}): the key must be at least ${MIN_NAMED_KEY_CHARS} characters (openssl rand -hex 24)`,
      );
  });
  const parsed = parseApiKeys(entries);
  for (const [i, k] of parsed.entries()) {
    if (names.has(k.name)) out.push(`INGRESS_API_KEYS: entry ${i + 1}: the name ${k.name} is used twice`);
    names.add(k.name);
  }
  const keys = parsed.map((k) => k.key);
  if (new Set(keys).size !== keys.length) out.push('INGRESS_API_KEYS: the same key is listed twice');
  return out;
}

export interface Config {
  logLevel: Env['LOG_LEVEL'];
  /**
   * DESKTOP_CHANNELS, in order. Default: `agent-app` on a real Genesys org (its public API has no notifications
   * endpoint), `agent-app,notifications-endpoint` against an emulator or other explicit bases.
   */
  desktopChannels: DesktopChannel[];
  /** The agent app (AGENT-APP.md): its PKCE client and who may frame it. */
  agentApp: {
    /** GENESYS_APP_CLIENT_ID; `npm start` fills in the emulator's. */
    clientId?: string;
    /** The real org's Genesys host (`mypurecloud.com`): the page signs in there. Undefined for explicit bases. */
    genesysHost?: string;
    /** Origins allowed to frame the app and receive its postMessages (GENESYS_APP_HOST_ORIGINS, or derived). */
    hostOrigins: string[];
    heartbeatSeconds: number;
  };
  /** The connection (address, namespace, TLS, API key, headers: src/temporal-connection.ts) and the payload codec. */
  temporal: TemporalConnection & {
    /** TEMPORAL_PAYLOAD_KEYS: the first encrypts, all decrypt. Undefined or empty: payloads stay plaintext. */
    payloadKeys?: PayloadKey[];
    /** TEMPORAL_PAYLOAD_ENCRYPTION=off: plaintext payloads on purpose (production entry points refuse it unset). */
    payloadEncryptionOff?: boolean;
    /** Origins of Temporal UIs allowed to call the codec endpoint (TEMPORAL_CODEC_CORS_ORIGINS). */
    codecCorsOrigins?: string[];
  };
  genesys: {
    /** Undefined: no credentials configured, so `npm start` embeds the emulator. */
    credentials?: { clientId: string; clientSecret: string };
    apiBase?: string;
    loginBase?: string;
    rateLimitPerMinute: number;
    rateLimitShare: number;
    notificationsPath: string;
    timeoutMs: number;
    /** The longest Retry-After honoured, in seconds (GENESYS_RETRY_AFTER_MAX_SECONDS; unset: 300). */
    retryAfterMaxSeconds?: number;
  };
  ingress: {
    port: number;
    host: string;
    publicBaseUrl?: string;
    /** INGRESS_API_KEYS: who may call /v1 and with which role (see parseApiKeys). */
    apiKeys: ApiKey[];
    /** Requests per minute per API key under /v1 (INGRESS_RATE_LIMIT_PER_MINUTE; 0: no limit). */
    rateLimitPerMinute: number;
    callbackSigningSecret?: string;
    actionUrlAllowedHosts: string[];
  };
  fallback: {
    smtpUrl?: string;
    smtpFrom: string;
    webhookUrl?: string;
    /** FALLBACK_WEBHOOK_SIGNING_SECRET: the fallback webhook's own key, never the downstream one. */
    webhookSigningSecret?: string;
    /**
     * FALLBACK_EMAIL_ALLOWED_DOMAINS, lower-case: the domains a caller's `fallback.email` may be at (exact match;
     * `*.example.com` matches its subdomains, not example.com itself). Empty: a caller may not choose one.
     */
    emailAllowedDomains?: string[];
  };
  downstream: {
    webhookUrl?: string;
    signingSecret?: string;
    /** How long an action's hand-off is retried before it is recorded failed (DOWNSTREAM_RETRY_MAX_SECONDS; default 24 h). */
    retryMaxSeconds?: number;
  };
  defaultAlertTtlSeconds: number;
  dataDir: string;
  /** Applied callbacks are deleted from the inbox after this many days (0: kept forever). */
  callbackRetentionDays: number;
  /** Prometheus endpoints of the worker side (the ingress serves its own on /metrics). */
  metrics?: {
    /** `host:port` of the Temporal SDK's own Prometheus exporter (TEMPORAL_METRICS_BIND). */
    temporalBind?: string;
    /** Port of a standalone worker's /metrics (WORKER_METRICS_PORT); `npm start` serves them on the ingress. */
    workerPort?: number;
    /** METRICS_TOKEN: when set, /metrics (ingress and worker) needs `Authorization: Bearer <token>`. */
    token?: string;
  };
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const list = (s?: string) =>
  (s ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

/** Parse the environment once. Throws ConfigError with one line per problem; never echoes values. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const r = EnvSchema.safeParse(env);
  const temporal = temporalConnectionFromEnv(env);
  const problems = [
    ...(r.success ? [] : r.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`)),
    ...temporal.problems,
    ...crossFieldProblems(env),
  ];
  if (!r.success || !temporal.connection || problems.length > 0) throw new ConfigError(problems);
  const e = r.data;
  const apiBase = e.GENESYS_API_BASE ?? (e.GENESYS_REGION ? `https://api.${e.GENESYS_REGION}` : undefined);
  const loginBase =
    e.GENESYS_LOGIN_BASE ?? (e.GENESYS_REGION ? `https://login.${e.GENESYS_REGION}` : undefined);
  const genesysHost = genesysHostOf(e.GENESYS_REGION, e.GENESYS_API_BASE);
  return {
    logLevel: e.LOG_LEVEL,
    desktopChannels: e.DESKTOP_CHANNELS ?? (genesysHost ? ['agent-app'] : [...DESKTOP_CHANNELS]),
    agentApp: {
      clientId: e.GENESYS_APP_CLIENT_ID,
      genesysHost,
      hostOrigins:
        e.GENESYS_APP_HOST_ORIGINS?.map((o) => o.replace(/\/+$/, '')) ??
        (genesysHost ? [`https://apps.${genesysHost}`] : []),
      heartbeatSeconds: e.AGENT_APP_HEARTBEAT_SECONDS,
    },
    temporal: {
      ...temporal.connection,
      payloadKeys: e.TEMPORAL_PAYLOAD_KEYS,
      payloadEncryptionOff: e.TEMPORAL_PAYLOAD_ENCRYPTION === 'off',
      codecCorsOrigins: e.TEMPORAL_CODEC_CORS_ORIGINS ?? [],
    },
    genesys: {
      credentials:
        e.GENESYS_CLIENT_ID && e.GENESYS_CLIENT_SECRET
          ? { clientId: e.GENESYS_CLIENT_ID, clientSecret: e.GENESYS_CLIENT_SECRET }
          : undefined,
      apiBase: apiBase?.replace(/\/+$/, ''),
      loginBase: loginBase?.replace(/\/+$/, ''),
      rateLimitPerMinute: e.GENESYS_RATE_LIMIT_PER_MINUTE,
      rateLimitShare: e.GENESYS_RATE_LIMIT_SHARE,
      notificationsPath: e.GENESYS_NOTIFICATIONS_PATH,
      timeoutMs: e.GENESYS_TIMEOUT_MS,
      retryAfterMaxSeconds: e.GENESYS_RETRY_AFTER_MAX_SECONDS,
    },
    ingress: {
      port: e.PORT,
      host: e.HOST,
      publicBaseUrl: e.PUBLIC_BASE_URL?.replace(/\/+$/, ''),
      apiKeys: parseApiKeys(list(e.INGRESS_API_KEYS)),
      rateLimitPerMinute: e.INGRESS_RATE_LIMIT_PER_MINUTE,
      callbackSigningSecret: e.CALLBACK_SIGNING_SECRET,
      actionUrlAllowedHosts: list(e.ACTION_URL_ALLOWED_HOSTS).map((h) => h.toLowerCase()),
    },
    fallback: {
      smtpUrl: e.SMTP_URL,
      smtpFrom: e.SMTP_FROM,
      webhookUrl: e.FALLBACK_WEBHOOK_URL,
      webhookSigningSecret: e.FALLBACK_WEBHOOK_SIGNING_SECRET,
      emailAllowedDomains: e.FALLBACK_EMAIL_ALLOWED_DOMAINS ?? [],
    },
    downstream: {
      webhookUrl: e.DOWNSTREAM_WEBHOOK_URL,
      signingSecret: e.DOWNSTREAM_SIGNING_SECRET,
      retryMaxSeconds: e.DOWNSTREAM_RETRY_MAX_SECONDS,
    },
    defaultAlertTtlSeconds: e.DEFAULT_ALERT_TTL_SECONDS,
    dataDir: e.DATA_DIR,
    callbackRetentionDays: e.CALLBACK_RETENTION_DAYS,
    metrics: {
      temporalBind: e.TEMPORAL_METRICS_BIND,
      workerPort: e.WORKER_METRICS_PORT,
      token: e.METRICS_TOKEN,
    },
  };
}

/** Requests per second for the Genesys task queue: share x limit, spread over the minute. */
export const genesysActivitiesPerSecond = (c: Config['genesys']): number =>
  (c.rateLimitPerMinute * c.rateLimitShare) / 60;

/**
 * What a Genesys client needs from the configuration: base URLs, credentials, notifications path, time-out.
 * Throws ConfigError when the credentials or base URLs are missing (`npm start` fills them in for its emulator).
 */
export function genesysConnection(g: Config['genesys']): {
  apiBase: string;
  loginBase: string;
  clientId: string;
  clientSecret: string;
  notificationsPath: string;
  timeoutMs: number;
  retryAfterMaxSeconds?: number;
} {
  if (!g.credentials || !g.apiBase || !g.loginBase) {
    throw new ConfigError([
      'GENESYS_CLIENT_ID/GENESYS_CLIENT_SECRET and a region or base URLs are required for a standalone worker (npm start embeds an emulator instead)',
    ]);
  }
  return {
    apiBase: g.apiBase,
    loginBase: g.loginBase,
    ...g.credentials,
    notificationsPath: g.notificationsPath,
    timeoutMs: g.timeoutMs,
    retryAfterMaxSeconds: g.retryAfterMaxSeconds,
  };
}

/**
 * TEMPORAL_PAYLOAD_KEYS alone, for tools that read Temporal without the rest of the configuration (the CLI's
 * `list`). Undefined when unset; ConfigError (no key material echoed) when malformed.
 */
export function payloadKeysFromEnv(env: NodeJS.ProcessEnv = process.env): PayloadKey[] | undefined {
  const r = opt(payloadKeys).safeParse(env.TEMPORAL_PAYLOAD_KEYS);
  if (!r.success) throw new ConfigError(r.error.issues.map((i) => `TEMPORAL_PAYLOAD_KEYS: ${i.message}`));
  return r.data;
}

/**
 * Start-up problems of a process that runs workers: a fallback webhook without FALLBACK_WEBHOOK_SIGNING_SECRET
 * would be sent unsigned, and its receiver could not tell it from a forgery. `npm start` (embedded) and
 * NODE_ENV=development only warn.
 */
export function checkWorkerConfig(config: Pick<Config, 'fallback'>): string[] {
  return config.fallback.webhookUrl && !config.fallback.webhookSigningSecret
    ? [
        'FALLBACK_WEBHOOK_SIGNING_SECRET: required with FALLBACK_WEBHOOK_URL, so its receiver can verify the fallback ' +
          '(its own key, not DOWNSTREAM_SIGNING_SECRET; make one: echo whsec_$(openssl rand -base64 32))',
      ]
    : [];
}

/** For entry points: the parsed configuration, or one line per problem on stderr and exit code 1. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}
