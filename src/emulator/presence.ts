/** System presences and routing statuses: their canonical spelling and presence definition ids. */
import { createHash } from 'node:crypto';

export const SYSTEM_PRESENCES = [
  'Available',
  'Away',
  'Busy',
  'Offline',
  'Idle',
  'On Queue',
  'Meal',
  'Training',
  'Meeting',
  'Break',
] as const;
export const ROUTING_STATUSES = [
  'OFF_QUEUE',
  'IDLE',
  'INTERACTING',
  'NOT_RESPONDING',
  'COMMUNICATING',
] as const;

const presenceByKey = new Map<string, string>(
  SYSTEM_PRESENCES.map((p) => [p.toLowerCase().replace(/[\s_-]/g, ''), p]),
);

/** 'on_queue', 'ON QUEUE', 'OnQueue' -> 'On Queue'; undefined when unknown. */
export function canonicalPresence(input: string): string | undefined {
  return presenceByKey.get(input.toLowerCase().replace(/[\s_-]/g, ''));
}

export function canonicalRoutingStatus(input: string): string | undefined {
  const s = input.toUpperCase().replace(/[\s-]/g, '_');
  return (ROUTING_STATUSES as readonly string[]).includes(s) ? s : undefined;
}

/** Stable pseudo-id of a system presence definition. */
export function presenceDefinitionId(presence: string): string {
  const h = createHash('sha1').update(`presence:${presence}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
