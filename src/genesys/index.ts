export {
  createGenesysClient,
  DEFAULT_CONNECTIONS,
  DEFAULT_NOTIFICATIONS_PATH,
  DEFAULT_TIMEOUT_MS,
  PRESENCE_BULK_LIMIT,
  SEARCH_PAGE_SIZE,
  type GenesysClientOptions,
  type GenesysHttpClient,
} from './client';
export {
  clampRetryAfter,
  DEFAULT_RETRY_AFTER_MAX_SECONDS,
  DEFAULT_RETRY_AFTER_SECONDS,
  parseRetryAfter,
} from './errors';
export {
  isLoggedOut,
  normalisePresence,
  normaliseRoutingStatus,
  normaliseSystemPresence,
  type PresenceSource,
} from './presence';
export {
  TOKEN_MAX_AGE_SECONDS,
  TOKEN_REFRESH_MARGIN_SECONDS,
  TokenCache,
  tokenTtlSeconds,
  type TokenCacheOptions,
} from './token-cache';
export * from './types';
export {
  CLIENT_APP_INTEGRATION_TYPE,
  createPlatformAdmin,
  type Integration,
  type IntegrationConfiguration,
  type OAuthClient,
  type OAuthClientRequest,
  type PlatformAdmin,
  type PlatformAdminOptions,
} from './platform-admin';
