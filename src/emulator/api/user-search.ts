/**
 * POST /api/v2/users/search: query criteria (types EXACT, CONTAINS, STARTS_WITH, TERM, MATCH_ALL over
 * email, name, id, state, username), ANDed, case-insensitive; paging; `results` omitted when empty.
 */
import type { EmulatorCore } from '../core';
import { errorReply, parseJson, type Ctx, type Reply } from '../http-reply';
import type { EmulatorUser } from '../types';
import { honouredExpand, userRep } from './user-views';

const SEARCH_TYPES = new Set(['EXACT', 'CONTAINS', 'STARTS_WITH', 'TERM', 'MATCH_ALL']);
const SEARCH_FIELDS = new Set(['email', 'name', 'id', 'state', 'username']);

type Pred = (u: EmulatorUser) => boolean;

export function usersSearch(core: EmulatorCore, ctx: Ctx): Reply {
  const body = parseJson(ctx);
  const bad = (message: string) => errorReply(ctx, 400, { code: 'invalid.value', message });
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return bad('The search request must be a JSON object.');
  const b = body as Record<string, unknown>;
  const pageSize = b.pageSize === undefined ? 25 : b.pageSize;
  const pageNumber = b.pageNumber === undefined ? 1 : b.pageNumber;
  if (typeof pageSize !== 'number' || !Number.isInteger(pageSize) || pageSize < 1 || pageSize > 100)
    return bad('pageSize must be an integer between 1 and 100.');
  if (typeof pageNumber !== 'number' || !Number.isInteger(pageNumber) || pageNumber < 1)
    return bad('pageNumber must be a positive integer.');
  if (!Array.isArray(b.query) || b.query.length === 0)
    return bad('query is required: a non-empty list of criteria.');
  if (b.query.length > 10) return bad('At most 10 query criteria are allowed.');
  const preds: Pred[] = [];
  let emailCandidates: EmulatorUser[] | null = null;
  for (const [i, raw] of b.query.entries()) {
    if (typeof raw !== 'object' || raw === null) return bad(`query[${i}] must be an object.`);
    const q = raw as Record<string, unknown>;
    const type = typeof q.type === 'string' ? q.type.toUpperCase() : '';
    if (!SEARCH_TYPES.has(type))
      return bad(`query[${i}].type must be one of ${[...SEARCH_TYPES].join(', ')}.`);
    if (type === 'MATCH_ALL') continue;
    const fields = Array.isArray(q.fields) ? q.fields : typeof q.field === 'string' ? [q.field] : null;
    if (
      !fields ||
      fields.length === 0 ||
      !fields.every((f) => typeof f === 'string' && SEARCH_FIELDS.has(f))
    ) {
      return bad(`query[${i}].fields must list fields among ${[...SEARCH_FIELDS].join(', ')}.`);
    }
    let values: string[];
    if (q.values !== undefined) {
      if (!Array.isArray(q.values) || q.values.length === 0 || !q.values.every((v) => typeof v === 'string'))
        return bad(`query[${i}].values must be a non-empty list of strings.`);
      values = q.values as string[];
    } else if (typeof q.value === 'string') values = [q.value];
    else return bad(`query[${i}] needs value or values.`);
    if (values.length > 100) return bad(`query[${i}].values: at most 100 values.`);
    preds.push(criterion(type, fields as string[], values));
    // An exact email look-up (the service's case) reads the email index, not every user.
    if (type === 'EXACT' && fields.length === 1 && fields[0] === 'email' && emailCandidates === null)
      emailCandidates = usersWithEmails(core, values);
  }
  const expand = honouredExpand(core, ctx, b.expand);
  const source: Iterable<EmulatorUser> = emailCandidates ?? core.users.all();
  const hits: EmulatorUser[] = [];
  for (const u of source) if (preds.every((p) => p(u))) hits.push(u);
  const total = hits.length;
  const page = hits.slice((pageNumber - 1) * pageSize, pageNumber * pageSize);
  const res: Record<string, unknown> = {
    total,
    pageCount: Math.ceil(total / pageSize),
    pageSize,
    pageNumber,
    types: ['users'],
  };
  if (page.length > 0 || !core.config.current.searchOmitsEmptyResults)
    res.results = page.map((u) => userRep(u, expand));
  return { status: 200, body: res };
}

/** One criterion: any of its fields matches any of its values (case-insensitive). */
function criterion(type: string, fields: string[], values: string[]): Pred {
  const lv = values.map((v) => v.toLowerCase());
  const fieldVal = (u: EmulatorUser, f: string): string =>
    (f === 'username' ? u.email : String(u[f as keyof EmulatorUser])).toLowerCase();
  const match = (s: string): boolean =>
    type === 'EXACT'
      ? lv.includes(s)
      : type === 'STARTS_WITH'
        ? lv.some((v) => s.startsWith(v))
        : type === 'TERM'
          ? lv.some((v) => s.split(/[\s@.,]+/).includes(v))
          : lv.some((v) => s.includes(v));
  return (u) => fields.some((f) => match(fieldVal(u, f)));
}

/** Users with any of these emails, each once, in the order found. */
function usersWithEmails(core: EmulatorCore, emails: string[]): EmulatorUser[] {
  const seen = new Set<string>();
  const out: EmulatorUser[] = [];
  for (const v of emails) {
    for (const u of core.users.byEmail(v)) {
      if (seen.has(u.id)) continue;
      seen.add(u.id);
      out.push(u);
    }
  }
  return out;
}
