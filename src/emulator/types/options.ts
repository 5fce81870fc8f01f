/** Start options and runtime configuration of the emulator (EmulatorOptions, EmulatorConfig). */
import type { EmulatorUserSeed } from './users';

export type EmulatorGrantKind = 'client_credentials' | 'authorization_code';

export interface EmulatorClientSeed {
  clientId: string;
  /** Required for 'client_credentials' clients; 'authorization_code' clients are public (PKCE, no secret). */
  clientSecret?: string;
  /** Default 'client_credentials'. */
  grant?: EmulatorGrantKind;
  /**
   * 'authorization_code' clients: the redirect URIs /oauth/authorize accepts, compared exactly; an entry
   * 'http://HOST:*' accepts any port and path on that http host (loopback apps pick their port).
   */
  redirectUris?: string[];
  /** Per-client token lifetime (the real platform sets it per OAuth client). Defaults to the global one. */
  tokenLifetimeSeconds?: number;
}

export interface EmulatorOptions {
  /** Default 0 (a free port). */
  port?: number;
  /** Default '127.0.0.1'. */
  host?: string;
  /**
   * Default [{clientId:'emulator-client', clientSecret:'emulator-secret'}, {clientId:'emulator-agent-app',
   * grant:'authorization_code', redirectUris:['http://127.0.0.1:*', 'http://localhost:*']}].
   */
  clients?: EmulatorClientSeed[];
  /** Default 86400. */
  tokenLifetimeSeconds?: number;
  /** Per OAuth client, over all API endpoints (token endpoint excluded); 0 = off. Default 300. */
  rateLimitPerMinute?: number;
  /** 'whsec_<base64>'; when set, callbacks are signed (Standard Webhooks). */
  callbackSigningSecret?: string;
  /** Multiplies callback retry delays (5, 30, 120 s) and the 5 s callback time-out. Default 1. */
  timeScale?: number;
  /** The callback time-out in seconds, not scaled. Default null: 5 s × timeScale. */
  callbackTimeoutSeconds?: number | null;
  /** Initial users (restored by reset()). */
  users?: EmulatorUserSeed[];
  logger?: EmulatorLogger;
  /** Path of the Desktop Notifications endpoint. Default '/api/v2/desktop/notifications'. */
  notificationsPath?: string;
  /** Status of an idempotent replay (same idempotencyKey within 24 h). Default 200. */
  duplicateStatus?: 200 | 201;
  /** Like the real search API, omit `results` when nothing matched. Default true. */
  searchOmitsEmptyResults?: boolean;
  /** Size of the request log ring buffer. Default 100000. */
  maxRequestLog?: number;
  /** Notifications kept in memory (oldest evicted first). Default 100000. */
  maxNotifications?: number;
  /** Callback deliveries kept in memory (oldest finished ones evicted first). Default 100000. */
  maxCallbackDeliveries?: number;
  /**
   * The Client App the desktop shell (`GET /desktop`) frames when no enabled `embedded-client-app`
   * integration with a `properties.url` is registered: a URL template with the same `{{gcHostOrigin}}`,
   * `{{gcTargetEnv}}`, `{{gcLangTag}}`, `{{gcUseDarkTheme}}` placeholders. A function is asked on each
   * page load (for a URL known only after the emulator started). No sandbox; lifecycle hooks only as
   * `agentAppLifecycle` says.
   */
  agentAppUrl?: string | (() => string | undefined);
  /**
   * The lifecycle the `agentAppUrl` app is registered with: what an integration's `config.advanced.lifecycle`
   * would say (`{ephemeral, hooks: {bootstrap, focus, blur, stop}}`), so the shell sends it the same hooks and
   * waits for the same answers as for a registered app. Default: none.
   */
  agentAppLifecycle?: {
    ephemeral?: boolean;
    hooks?: Partial<Record<'bootstrap' | 'focus' | 'blur' | 'stop', boolean>>;
  };
  /** Random source for fault injection (tests may pass a seeded one). Default Math.random. */
  random?: () => number;
  /**
   * Clock (ms epoch) for expiries: notifications' expiresAt, the 24 h lifetime and replay window, access
   * tokens and authorization codes. Default Date.now. Tests pass one they can move forward, to step past an
   * expiry instead of sleeping through it (a short real expiry is a race the test may lose on a busy machine).
   */
  now?: () => number;
}

export interface EmulatorLogger {
  info: (...a: unknown[]) => void;
  warn: (...a: unknown[]) => void;
}

/** Runtime-settable configuration. */
export interface EmulatorConfig {
  rateLimitPerMinute: number;
  tokenLifetimeSeconds: number;
  /** null = callbacks are not signed. */
  callbackSigningSecret: string | null;
  timeScale: number;
  /**
   * The callback time-out in seconds, not scaled; null = the platform's 5 s × timeScale. Lets a test scale the
   * retry schedule down without the time-out shrinking with it (a round trip stalled past a 200 ms time-out
   * would be retried and change the test's outcome).
   */
  callbackTimeoutSeconds: number | null;
  notificationsPath: string;
  duplicateStatus: 200 | 201;
  searchOmitsEmptyResults: boolean;
}
