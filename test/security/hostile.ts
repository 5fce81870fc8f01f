/**
 * fast-check arbitraries for hostile input: strings with lone surrogates, RTL overrides, zero-width
 * characters, emoji and control characters; prototype-pollution keys anywhere; deep nesting; wrong
 * types; huge values. Bodies are produced as raw JSON *text*, so keys like `__proto__` really reach
 * the server as own keys (an object literal would silently turn them into a prototype).
 */
import fc from 'fast-check';

export const POLLUTION_KEYS = ['__proto__', 'constructor', 'prototype'] as const;

const NASTY_UNITS = [
  '\ud800', // lone high surrogate
  '\udfff', // lone low surrogate
  '\u202e', // right-to-left override
  '\u200f', // right-to-left mark
  '\u200b', // zero-width space
  '\u200d', // zero-width joiner
  '\ufeff', // byte order mark
  '\u0000',
  '\u0007',
  '\u2028',
  '\n',
  '\r\n',
  '"',
  '\\',
  '😀',
  '👩‍👩‍👧',
  'é',
  'e\u0301',
  'Ω',
  '中',
  'ـ',
  '%00',
  '../',
  '<script>',
  '${7*7}',
  '{{7*7}}',
  "'; DROP TABLE callbacks;--",
  'a',
  '0',
  ' ',
];

/** Strings built from the units above, plus plain unicode. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: fc.constantFrom(...NASTY_UNITS), maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      ...POLLUTION_KEYS,
      'toString',
      'hasOwnProperty',
      'valueOf',
      'desktopAlertId',
      'callbackUrl',
    ),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'http://169.254.169.254/latest/meta-data/',
      'https://127.0.0.1/',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'https://user:pw@evil.example/',
    ),
  },
  // Big but under the 64 kB body limit (bigger bodies are their own case).
  { weight: 1, arbitrary: fc.integer({ min: 251, max: 20_000 }).map((n) => 'x'.repeat(n)) },
);

export const hostileKey: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...POLLUTION_KEYS) },
  { weight: 2, arbitrary: hostileString.filter((s) => s.length < 100) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'target',
      'title',
      'userId',
      'metadata',
      'actions',
      'callbackUrl',
      'notificationId',
      'actionId',
      'timestamp',
    ),
  },
);

/** A JSON tree, kept as entries so duplicate and reserved keys survive until serialisation. */
export type Tree = null | boolean | number | string | Tree[] | { entries: Array<[string, Tree]> };

const leaf: fc.Arbitrary<Tree> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -0, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 5e-324),
  hostileString,
);

export const tree: fc.Arbitrary<Tree> = fc.letrec<{
  node: Tree;
  arr: Tree[];
  obj: { entries: Array<[string, Tree]> };
}>((tie) => ({
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('arr'), tie('obj')),
  arr: fc.array(tie('node'), { maxLength: 4 }),
  obj: fc.array(fc.tuple(hostileKey, tie('node')), { maxLength: 5 }).map((entries) => ({ entries })),
})).node;

/** Serialise a tree to JSON text (JSON.stringify escapes lone surrogates, so the text stays valid). */
export function toJson(t: Tree): string {
  if (t === null || typeof t !== 'object') return JSON.stringify(t);
  if (Array.isArray(t)) return `[${t.map(toJson).join(',')}]`;
  return `{${t.entries.map(([k, v]) => `${JSON.stringify(k)}:${toJson(v)}`).join(',')}}`;
}

/** A plain value as a tree (valid bodies are built as values, then mutated as trees). */
export function fromValue(v: unknown): Tree {
  if (v === null || v === undefined) return null;
  if (Array.isArray(v)) return v.map(fromValue);
  if (typeof v === 'object')
    return { entries: Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, fromValue(x)]) };
  return v as Tree;
}

/** `[[[[...]]]]` `depth` levels deep around `inner`. */
export const nested = (depth: number, inner = '0'): string => '['.repeat(depth) + inner + ']'.repeat(depth);

/**
 * Hostile variations of a valid object body: a field replaced by a hostile tree, a hostile key added at
 * the top or inside a nested object, the whole thing replaced, or deep nesting under a field.
 */
export function hostileBody(
  valid: Record<string, unknown>,
  nestedObjectFields: string[],
): fc.Arbitrary<string> {
  const base = fromValue(valid) as { entries: Array<[string, Tree]> };
  const fields = base.entries.map(([k]) => k);
  const replace = fc
    .tuple(fc.constantFrom(...fields), tree)
    .map(([f, t]) =>
      toJson({ entries: base.entries.map(([k, v]) => [k, k === f ? t : v] as [string, Tree]) }),
    );
  const addTop = fc.tuple(hostileKey, tree).map(([k, t]) => toJson({ entries: [...base.entries, [k, t]] }));
  const addNested = fc.tuple(fc.constantFrom(...nestedObjectFields), hostileKey, tree).map(([f, k, t]) =>
    toJson({
      entries: base.entries.map(([key, v]) => {
        if (key !== f) return [key, v] as [string, Tree];
        if (Array.isArray(v) && v[0] && typeof v[0] === 'object' && !Array.isArray(v[0])) {
          return [
            key,
            [{ entries: [...(v[0] as { entries: Array<[string, Tree]> }).entries, [k, t]] }, ...v.slice(1)],
          ] as [string, Tree];
        }
        if (v && typeof v === 'object' && !Array.isArray(v))
          return [key, { entries: [...v.entries, [k, t]] }] as [string, Tree];
        return [key, { entries: [[k, t]] }] as [string, Tree];
      }),
    }),
  );
  const deep = fc
    .tuple(fc.constantFrom(...fields), fc.integer({ min: 100, max: 20_000 }))
    .map(
      ([f, d]) =>
        `{${base.entries.map(([k, v]) => `${JSON.stringify(k)}:${k === f ? nested(d) : toJson(v)}`).join(',')}}`,
    );
  const whole = tree.map(toJson);
  const valid1 = fc.constant(toJson(base));
  return fc.oneof(
    { weight: 4, arbitrary: replace },
    { weight: 3, arbitrary: addTop },
    { weight: 3, arbitrary: addNested },
    { weight: 1, arbitrary: deep },
    { weight: 2, arbitrary: whole },
    { weight: 1, arbitrary: valid1 },
  );
}

/** Object.prototype as it is now, to check nothing was added to it or changed on it. */
export function prototypeSnapshot(): string {
  return (
    JSON.stringify(Object.getOwnPropertyNames(Object.prototype).sort()) +
    String(Object.getPrototypeOf(Object.prototype))
  );
}

export function assertNotPolluted(before: string): void {
  const probe = {} as Record<string, unknown>;
  for (const k of ['polluted', 'isAdmin', 'desktopAlertId', 'callbackUrl', 'x', 'a']) {
    if (probe[k] !== undefined) throw new Error(`Object.prototype.${k} was polluted`);
  }
  if (prototypeSnapshot() !== before) throw new Error('Object.prototype changed');
}
