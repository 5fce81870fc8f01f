/**
 * `send --json FILE` and `send --csv FILE` (FILE may be - for stdin): the input read and turned into
 * one request body, or into bulk items that each carry a key of their own.
 */
import fs from 'node:fs';
import { buildBody, derivedKey, ensureKey, isObject, type AlertBody, type AlertSpec } from './alert-body';
import type { BulkItem } from './bulk';
import { parseCsv } from './csv';
import { mapHeader, rowToSpec } from './csv-columns';
import { UsageError } from './errors';

export async function readInput(
  source: string,
  stdin: NodeJS.ReadableStream = process.stdin,
): Promise<string> {
  if (source === '-') {
    const chunks: Buffer[] = [];
    for await (const c of stdin) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(String(c)));
    return Buffer.concat(chunks).toString('utf8');
  }
  try {
    return fs.readFileSync(source, 'utf8');
  } catch (err) {
    throw new UsageError(
      `cannot read ${source}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`,
    );
  }
}

/** --json: an object is one alert (the flags layered over it); an array is a bulk send. */
export function alertsFromJson(
  content: string,
  source: string,
  spec: AlertSpec,
): { body: AlertBody } | { items: BulkItem[] } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(content);
  } catch (err) {
    throw new UsageError(`${source === '-' ? 'stdin' : source} is not valid JSON: ${(err as Error).message}`);
  }
  if (Array.isArray(parsed)) {
    const items = parsed.map((el: unknown, i): BulkItem => {
      const where = `item ${i + 1}`;
      if (!isObject(el)) return { where, error: ['expected a JSON object'] };
      return itemOf(
        where,
        () => buildBody(spec, el),
        () => derivedKey(content, i + 1),
      );
    });
    return { items };
  }
  if (!isObject(parsed))
    throw new UsageError(`${source}: expected a JSON object (one alert) or an array of them`);
  return { body: buildBody(spec, parsed) };
}

/** --csv: one alert per row; the flags give every row its defaults (a row's target replaces theirs). */
export function alertsFromCsv(content: string, defaults: AlertSpec): BulkItem[] {
  let parsed;
  try {
    parsed = parseCsv(content);
  } catch (err) {
    throw new UsageError(`CSV: ${(err as Error).message}`);
  }
  if (parsed.header.length === 0)
    throw new UsageError('CSV: the file is empty (the first row must name the columns)');
  const map = mapHeader(parsed.header);
  return parsed.rows.map((row) =>
    itemOf(
      `line ${row.line}`,
      () => {
        const r = rowToSpec(map, row.cells);
        const target =
          r.userId || r.email
            ? { userId: r.userId, email: r.email }
            : { userId: defaults.userId, email: defaults.email };
        return buildBody({
          ...defaults,
          ...r,
          ...target,
          action: [...(defaults.action ?? []), ...(r.action ?? [])],
          ackAction: [...(defaults.ackAction ?? []), ...(r.ackAction ?? [])],
          metadata: [...(defaults.metadata ?? []), ...(r.metadata ?? [])],
        });
      },
      () => derivedKey(content, row.line),
    ),
  );
}

/** A bulk item with its key; a row the CLI cannot read becomes a rejected item, not an error of the run. */
function itemOf(where: string, build: () => AlertBody, key: () => string): BulkItem {
  try {
    return { where, body: ensureKey(build(), key) };
  } catch (err) {
    if (err instanceof UsageError) return { where, error: [err.message] };
    throw err;
  }
}
