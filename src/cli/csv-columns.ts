/** The columns of a `send --csv` file: which alert spec field each fills, and one row read into a spec. */
import type { AlertSpec } from './alert-body';
import { UsageError } from './errors';

/** Each column by the name of its flag, and the spec field it fills. */
const COLUMNS = {
  'user-id': 'userId',
  email: 'email',
  title: 'title',
  message: 'message',
  type: 'type',
  priority: 'priority',
  action: 'action',
  'ack-action': 'ackAction',
  'expires-in': 'expiresIn',
  'idempotency-key': 'idempotencyKey',
  metadata: 'metadata',
} as const satisfies Record<string, keyof AlertSpec>;
/** Other names a column may have. */
const ALIASES: Record<string, keyof AlertSpec> = {
  user: 'userId',
  actions: 'action',
  ackactions: 'ackAction',
  key: 'idempotencyKey',
};
/** Case, '-', '_' and spaces do not count in a column's name. */
const normalise = (h: string) => h.toLowerCase().replace(/[-_\s]/g, '');
const FIELD_BY_NAME: Record<string, keyof AlertSpec> = {
  ...Object.fromEntries(Object.entries(COLUMNS).map(([name, field]) => [normalise(name), field])),
  ...ALIASES,
};
/** Fields a row may give several values of (in repeated columns, or separated by ';'). */
const LIST_FIELDS = new Set<keyof AlertSpec>(['action', 'ackAction', 'metadata']);

interface ColumnMap {
  /** Per column: the spec field, or a metadata key (`metadata.<key>` columns). */
  columns: Array<{ field: keyof AlertSpec } | { metadataKey: string } | null>;
}

/**
 * Map a CSV header onto spec fields. Columns are named like the flags (`user-id`, `expires-in`,
 * `ack-action`, ...); `action`/`ack-action`/`metadata` may repeat, and `metadata.<key>` fills one
 * key. Unknown columns are a usage error (a typo would otherwise silently drop data).
 */
export function mapHeader(header: string[]): ColumnMap {
  const unknown: string[] = [];
  const seen = new Set<string>();
  const columns = header.map((h) => {
    const md = /^metadata\.(.+)$/i.exec(h.trim());
    if (md) return { metadataKey: md[1]! };
    const field = FIELD_BY_NAME[normalise(h)];
    if (!field) {
      if (h.trim() !== '') unknown.push(h);
      return null;
    }
    if (seen.has(field) && !LIST_FIELDS.has(field))
      throw new UsageError(`CSV header: column '${h}' appears twice`);
    seen.add(field);
    return { field };
  });
  if (unknown.length > 0) {
    throw new UsageError(
      `CSV header: unknown column(s) ${unknown.map((u) => `'${u}'`).join(', ')}; expected: ${Object.keys(COLUMNS).join(', ')}, metadata.<key>`,
    );
  }
  return { columns };
}

/** One CSV row -> spec. List cells (`action`, `ack-action`, `metadata`) may hold several values separated by ';'. */
export function rowToSpec(map: ColumnMap, cells: string[]): AlertSpec {
  const spec: AlertSpec = {};
  map.columns.forEach((col, i) => {
    const raw = (cells[i] ?? '').trim();
    if (!col || raw === '') return;
    if ('metadataKey' in col) {
      spec.metadata = [...(spec.metadata ?? []), `${col.metadataKey}=${raw}`];
      return;
    }
    if (LIST_FIELDS.has(col.field)) {
      const values = raw
        .split(';')
        .map((v) => v.trim())
        .filter(Boolean);
      const prev = (spec[col.field] as string[] | undefined) ?? [];
      (spec as Record<string, unknown>)[col.field] = [...prev, ...values];
    } else {
      (spec as Record<string, unknown>)[col.field] = raw;
    }
  });
  return spec;
}
