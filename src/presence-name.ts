/**
 * The one spelling of a Genesys system presence, shared by what Genesys answers (src/genesys/presence.ts) and
 * what callers write in an alert's policy (src/shared/schemas.ts), so the two compare equal.
 */

/**
 * One spelling per system presence: lower case, words separated by one space.
 * Endpoints disagree on casing ('On Queue', 'ON_QUEUE', 'OnQueue', 'AVAILABLE'): all become 'on queue' / 'available'.
 */
export function normaliseSystemPresence(value: string | null | undefined): string | undefined {
  if (typeof value !== 'string') return undefined;
  const s = value
    .trim()
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/[\s_-]+/g, ' ')
    .toLowerCase();
  return s || undefined;
}
