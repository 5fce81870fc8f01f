/**
 * How users look on the Genesys API: the user representation with its optional expands (routing
 * status, presence) and the presence representation, and which expands an answer honours.
 */
import type { EmulatorCore } from '../core';
import type { Ctx } from '../http-reply';
import { presenceDefinitionId } from '../presence';
import type { EmulatorUser } from '../types';

/** `upper`: systemPresence in UPPER_CASE, as the bulk presence endpoint spells it. */
export function presenceRep(u: EmulatorUser, upper = false) {
  return {
    presenceDefinition: {
      id: presenceDefinitionId(u.presence),
      systemPresence: upper ? u.presence.toUpperCase().replace(/ /g, '_') : u.presence,
      selfUri: `/api/v2/presencedefinitions/${presenceDefinitionId(u.presence)}`,
    },
    modifiedDate: u.presenceModifiedDate,
    source: 'PURECLOUD',
    primary: true,
  };
}

export function userRep(u: EmulatorUser, expand: Set<string>) {
  const rep: Record<string, unknown> = {
    id: u.id,
    name: u.name,
    email: u.email,
    username: u.email,
    state: u.state,
    version: u.version,
    selfUri: `/api/v2/users/${u.id}`,
  };
  if (expand.has('routingstatus'))
    rep.routingStatus = { userId: u.id, status: u.routingStatus, startTime: u.routingStatusStartTime };
  if (expand.has('presence')) rep.presence = presenceRep(u);
  return rep;
}

/** 'a,b' or ['a', 'b,c'] -> lower-cased names. */
function expandSet(values: unknown): Set<string> {
  const out = new Set<string>();
  const add = (v: unknown) => {
    if (typeof v === 'string') for (const p of v.split(',')) if (p.trim()) out.add(p.trim().toLowerCase());
  };
  if (Array.isArray(values)) values.forEach(add);
  else add(values);
  return out;
}

/** The expand this answer honours: `presence` may be left out (fault presenceExpandOmitRate). */
export function honouredExpand(core: EmulatorCore, ctx: Ctx, values: unknown): Set<string> {
  const expand = expandSet(values);
  if (expand.has('presence') && core.faults.shouldOmitPresenceExpand()) {
    expand.delete('presence');
    ctx.fault = 'presence-omitted';
  }
  return expand;
}
