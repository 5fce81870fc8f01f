import { normaliseSystemPresence } from '../presence-name';
import type { GenesysUser, GenesysUserPresence } from './types';

export { normaliseSystemPresence };

/** A user from the users API, or an entry of the bulk presence API. */
export type PresenceSource = Pick<GenesysUser, 'presence'> | Pick<GenesysUserPresence, 'presenceDefinition'>;

/**
 * The user's system presence, normalised (see normaliseSystemPresence); undefined when the answer has none.
 * On a user that means "not returned" (expand is best effort, GENESYS.md): ask the presence endpoint.
 */
export function normalisePresence(source: PresenceSource): string | undefined {
  const definition =
    'presenceDefinition' in source
      ? source.presenceDefinition
      : 'presence' in source
        ? source.presence?.presenceDefinition
        : undefined;
  return normaliseSystemPresence(definition?.systemPresence);
}

/**
 * The desktop is logged out when the system presence is Offline (GENESYS.md).
 * An unknown presence is not reported as logged out: callers decide what unknown means.
 */
export function isLoggedOut(source: PresenceSource): boolean {
  return normalisePresence(source) === 'offline';
}

/** Routing status in the API's own form, upper snake case ('OFF_QUEUE', 'IDLE', ...); undefined when unknown. */
export function normaliseRoutingStatus(user: Pick<GenesysUser, 'routingStatus'>): string | undefined {
  const s = user.routingStatus?.status;
  if (typeof s !== 'string' || !s.trim()) return undefined;
  return s
    .trim()
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .replace(/[\s-]+/g, '_')
    .toUpperCase();
}
