/**
 * Runtime configuration (getConfig/setConfig): the start options' values, their validation, and the
 * decoded callback signing secret.
 */
import { decodeSigningSecret } from './callbacks';
import { checkNumber, checkPrefix, fail } from './checks';
import type { EmulatorConfig, EmulatorOptions } from './types';

export const DEFAULT_NOTIFICATIONS_PATH = '/api/v2/desktop/notifications';

const BASE_CONFIG: EmulatorConfig = {
  rateLimitPerMinute: 300,
  tokenLifetimeSeconds: 86_400,
  callbackSigningSecret: null,
  timeScale: 1,
  callbackTimeoutSeconds: null,
  notificationsPath: DEFAULT_NOTIFICATIONS_PATH,
  duplicateStatus: 200,
  searchOmitsEmptyResults: true,
};

export class ConfigStore {
  /** The live configuration (no copy): the HTTP layer reads it on every call. */
  current: EmulatorConfig = { ...BASE_CONFIG };
  /** callbackSigningSecret decoded; null = callbacks are not signed. */
  signingSecret: Buffer | null = null;

  /** @param onRateLimitChange called when rateLimitPerMinute changes (the rate limiter starts over). */
  constructor(
    private readonly opts: EmulatorOptions,
    private readonly onRateLimitChange: () => void,
  ) {}

  /** Back to the start options. */
  reset(): void {
    const o = this.opts;
    this.current = { ...BASE_CONFIG };
    this.signingSecret = null;
    this.set({
      rateLimitPerMinute: o.rateLimitPerMinute ?? BASE_CONFIG.rateLimitPerMinute,
      tokenLifetimeSeconds: o.tokenLifetimeSeconds ?? BASE_CONFIG.tokenLifetimeSeconds,
      callbackSigningSecret: o.callbackSigningSecret ?? null,
      timeScale: o.timeScale ?? BASE_CONFIG.timeScale,
      callbackTimeoutSeconds: o.callbackTimeoutSeconds ?? null,
      notificationsPath: o.notificationsPath ?? DEFAULT_NOTIFICATIONS_PATH,
      duplicateStatus: o.duplicateStatus ?? BASE_CONFIG.duplicateStatus,
      searchOmitsEmptyResults: o.searchOmitsEmptyResults ?? BASE_CONFIG.searchOmitsEmptyResults,
    });
  }

  get(): EmulatorConfig {
    return { ...this.current };
  }

  /** Validates the whole patch before applying any of it. */
  set(patch: Partial<EmulatorConfig>): EmulatorConfig {
    const p = (patch ?? {}) as Record<string, unknown>;
    const next = { ...this.current };
    let secret = this.signingSecret;
    for (const k of Object.keys(p))
      if (!(k in next)) fail(400, 'invalid.value', `Unknown config setting '${k}'`);
    if (p.rateLimitPerMinute !== undefined)
      next.rateLimitPerMinute = Math.floor(checkNumber(p.rateLimitPerMinute, 0, 1e9, 'rateLimitPerMinute'));
    if (p.tokenLifetimeSeconds !== undefined)
      next.tokenLifetimeSeconds = checkNumber(p.tokenLifetimeSeconds, 1, 172_800, 'tokenLifetimeSeconds');
    if (p.timeScale !== undefined) next.timeScale = checkNumber(p.timeScale, 0, 1000, 'timeScale');
    if (p.callbackTimeoutSeconds !== undefined)
      next.callbackTimeoutSeconds =
        p.callbackTimeoutSeconds === null
          ? null
          : checkNumber(p.callbackTimeoutSeconds, 0, 3600, 'callbackTimeoutSeconds');
    if (p.notificationsPath !== undefined)
      next.notificationsPath = checkPrefix(p.notificationsPath, 'notificationsPath').replace(/\/+$/, '');
    if (p.duplicateStatus !== undefined) {
      if (p.duplicateStatus !== 200 && p.duplicateStatus !== 201)
        fail(400, 'invalid.value', 'duplicateStatus must be 200 or 201');
      next.duplicateStatus = p.duplicateStatus;
    }
    if (p.searchOmitsEmptyResults !== undefined) {
      if (typeof p.searchOmitsEmptyResults !== 'boolean')
        fail(400, 'invalid.value', 'searchOmitsEmptyResults must be a boolean');
      next.searchOmitsEmptyResults = p.searchOmitsEmptyResults;
    }
    if (p.callbackSigningSecret !== undefined) {
      secret = parseSigningSecret(p.callbackSigningSecret);
      next.callbackSigningSecret = secret === null ? null : (p.callbackSigningSecret as string);
    }
    const rateLimitChanged = next.rateLimitPerMinute !== this.current.rateLimitPerMinute;
    this.current = next;
    this.signingSecret = secret;
    if (rateLimitChanged) this.onRateLimitChange();
    return this.get();
  }
}

/** null or '' = unsigned; otherwise 'whsec_<base64>', decoded. */
function parseSigningSecret(v: unknown): Buffer | null {
  if (v === null || v === '') return null;
  try {
    if (typeof v === 'string') return decodeSigningSecret(v);
  } catch {
    // reported below, as for a value that is not a string
  }
  fail(400, 'invalid.value', 'callbackSigningSecret must be whsec_<base64>');
}
