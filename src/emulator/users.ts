/**
 * The user directory: agents with their state, presence and routing status, an email index for
 * searches, and the control operations on them (each change is an event for the live desktop).
 */
import { randomUUID } from 'node:crypto';
import { fail } from './checks';
import type { EventHub } from './events';
import { canonicalPresence, canonicalRoutingStatus, ROUTING_STATUSES, SYSTEM_PRESENCES } from './presence';
import type { EmulatorUser, EmulatorUserPatch, EmulatorUserSeed, UserState } from './types';

export class UserDirectory {
  private users = new Map<string, EmulatorUser>();
  private emailIndex = new Map<string, Set<string>>();

  constructor(private readonly events: EventHub) {}

  /** Only these users. */
  reset(seeds: EmulatorUserSeed[]): void {
    this.users.clear();
    this.emailIndex.clear();
    for (const u of seeds) this.add(u);
  }

  add(seed: EmulatorUserSeed): EmulatorUser {
    if (!seed || typeof seed !== 'object') fail(400, 'invalid.value', 'A user object is required');
    if (typeof seed.name !== 'string' || !seed.name) fail(400, 'invalid.value', 'name is required');
    if (typeof seed.email !== 'string' || !seed.email.includes('@'))
      fail(400, 'invalid.value', 'email is required');
    const id = seed.id ?? randomUUID();
    if (typeof id !== 'string' || !id) fail(400, 'invalid.value', 'id must be a string');
    if (this.users.has(id)) fail(409, 'conflict', `User ${id} already exists`);
    const presence = seed.presence === undefined ? 'Available' : parsePresence(seed.presence);
    const routingStatus =
      seed.routingStatus === undefined
        ? presence === 'Offline'
          ? 'OFF_QUEUE'
          : 'IDLE'
        : parseRouting(seed.routingStatus);
    const now = new Date().toISOString();
    const u: EmulatorUser = {
      id,
      name: seed.name,
      email: seed.email,
      state: seed.state === undefined ? 'active' : parseState(seed.state),
      presence,
      presenceModifiedDate: now,
      routingStatus,
      routingStatusStartTime: now,
      version: 1,
    };
    this.users.set(id, u);
    this.indexEmail(u, true);
    this.events.emit(() => ({ kind: 'user', user: { ...u } }));
    return { ...u };
  }

  /** Going Offline also sets OFF_QUEUE unless the patch names a routing status. */
  update(id: string, patch: EmulatorUserPatch): EmulatorUser {
    const u = this.users.get(id);
    if (!u) fail(404, 'not.found', `Unknown user ${id}`);
    const p = patch ?? {};
    const now = new Date().toISOString();
    const next = { ...u };
    if (p.name !== undefined) {
      if (typeof p.name !== 'string' || !p.name)
        fail(400, 'invalid.value', 'name must be a non-empty string');
      next.name = p.name;
    }
    if (p.email !== undefined) {
      if (typeof p.email !== 'string' || !p.email.includes('@'))
        fail(400, 'invalid.value', 'email must be an email address');
      next.email = p.email;
    }
    if (p.state !== undefined) next.state = parseState(p.state);
    if (p.presence !== undefined) {
      const presence = parsePresence(p.presence);
      if (presence !== u.presence) {
        next.presence = presence;
        next.presenceModifiedDate = now;
      }
      if (presence === 'Offline' && p.routingStatus === undefined && next.routingStatus !== 'OFF_QUEUE') {
        next.routingStatus = 'OFF_QUEUE';
        next.routingStatusStartTime = now;
      }
    }
    if (p.routingStatus !== undefined) {
      const r = parseRouting(p.routingStatus);
      if (r !== next.routingStatus) {
        next.routingStatus = r;
        next.routingStatusStartTime = now;
      }
    }
    next.version = u.version + 1;
    this.indexEmail(u, false);
    this.users.set(id, next);
    this.indexEmail(next, true);
    this.events.emit(() => ({ kind: 'user', user: { ...next } }));
    return { ...next };
  }

  remove(id: string): boolean {
    const u = this.users.get(id);
    if (!u) return false;
    this.indexEmail(u, false);
    this.users.delete(id);
    this.events.emit(() => ({ kind: 'user-removed', userId: id }));
    return true;
  }

  /** A copy. */
  get(id: string): EmulatorUser | undefined {
    const u = this.users.get(id);
    return u ? { ...u } : undefined;
  }

  /** Copies. */
  list(): EmulatorUser[] {
    return [...this.users.values()].map((u) => ({ ...u }));
  }

  /** Internal, no copy. */
  rec(id: string): EmulatorUser | undefined {
    return this.users.get(id);
  }

  /** Internal, no copies. */
  all(): IterableIterator<EmulatorUser> {
    return this.users.values();
  }

  /** Internal, no copies; case-insensitive. */
  byEmail(email: string): EmulatorUser[] {
    const ids = this.emailIndex.get(email.toLowerCase());
    if (!ids) return [];
    return [...ids].map((id) => this.users.get(id)).filter((u): u is EmulatorUser => u !== undefined);
  }

  private indexEmail(u: EmulatorUser, add: boolean): void {
    const key = u.email.toLowerCase();
    let set = this.emailIndex.get(key);
    if (add) {
      if (!set) this.emailIndex.set(key, (set = new Set()));
      set.add(u.id);
    } else if (set) {
      set.delete(u.id);
      if (set.size === 0) this.emailIndex.delete(key);
    }
  }
}

function parseState(v: unknown): UserState {
  if (v !== 'active' && v !== 'inactive' && v !== 'deleted')
    fail(400, 'invalid.value', 'state must be active, inactive or deleted');
  return v;
}

function parsePresence(v: unknown): string {
  const p = typeof v === 'string' ? canonicalPresence(v) : undefined;
  if (!p) fail(400, 'invalid.value', `presence must be one of ${SYSTEM_PRESENCES.join(', ')}`);
  return p;
}

function parseRouting(v: unknown): string {
  const r = typeof v === 'string' ? canonicalRoutingStatus(v) : undefined;
  if (!r) fail(400, 'invalid.value', `routingStatus must be one of ${ROUTING_STATUSES.join(', ')}`);
  return r;
}
