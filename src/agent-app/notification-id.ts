/**
 * An agent-app notification's id: `<alertId>~<userId>~<mac>`. It comes from the alert and its agent, so a retried
 * push shows nothing twice, and its MAC lets whichever ingress node a click lands on tell, with no lookup and while
 * Temporal is down, an id it made (404 otherwise) and whether it is the clicking agent's (403 otherwise). Alert ids
 * never contain `~` (their idempotency keys are [A-Za-z0-9._:-]).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const SEP = '~';
const MAC_BYTES = 12;

const macOf = (key: Buffer, alertId: string, userId: string): string =>
  createHmac('sha256', key)
    .update(`${alertId}\n${userId}`)
    .digest()
    .subarray(0, MAC_BYTES)
    .toString('base64url');

export function notificationIdFor(key: Buffer, alertId: string, userId: string): string {
  return `${alertId}${SEP}${userId}${SEP}${macOf(key, alertId, userId)}`;
}

/** The alert and agent of an id this service made; null for anything else. */
export function parseNotificationId(key: Buffer, id: string): { alertId: string; userId: string } | null {
  const first = id.indexOf(SEP);
  const last = id.lastIndexOf(SEP);
  if (first <= 0 || last <= first + 1) return null;
  const alertId = id.slice(0, first);
  const userId = id.slice(first + 1, last);
  // Compared as text: decoding would ignore trailing characters (base64url drops partial bits), so `<id>x` passed.
  const given = Buffer.from(id.slice(last + 1));
  const want = Buffer.from(macOf(key, alertId, userId));
  if (given.length !== want.length || !timingSafeEqual(given, want)) return null;
  return { alertId, userId };
}
