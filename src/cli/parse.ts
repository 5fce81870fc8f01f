/** Option values as the CLI reads them: durations, times, key=value, label=url, numbers, repeated flags. */
import type { AlertAction } from '../shared/schemas';
import { UsageError } from './errors';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `15m`, `1h30m`, `90s`, `2d` -> milliseconds. */
export function parseDuration(text: string, what = 'duration'): number {
  const s = text.trim();
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    matched = re.lastIndex;
  }
  if (s === '' || matched !== s.length)
    throw new UsageError(`${what}: '${text}' is not a duration (examples: 90s, 15m, 1h30m, 2d)`);
  return total;
}

/** `--since`: a duration back from now, or an ISO 8601 timestamp. */
export function parseSince(text: string, now: Date): Date {
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    const t = Date.parse(text);
    if (Number.isNaN(t)) throw new UsageError(`--since: '${text}' is not a valid timestamp`);
    return new Date(t);
  }
  return new Date(now.getTime() - parseDuration(text, '--since'));
}

/** `key=value` (the value may itself contain '='). */
export function parseKeyValue(text: string, what: string): [string, string] {
  const i = text.indexOf('=');
  if (i <= 0) throw new UsageError(`${what}: expected key=value, got '${text}'`);
  return [text.slice(0, i).trim(), text.slice(i + 1)];
}

/** `label=https://...` -> an openUrl action. */
export function parseUrlAction(text: string): Extract<AlertAction, { actionType: 'openUrl' }> {
  const i = text.indexOf('=');
  if (i <= 0 || i === text.length - 1) throw new UsageError(`--action: expected "label=url", got '${text}'`);
  return { label: text.slice(0, i).trim(), actionType: 'openUrl', url: text.slice(i + 1).trim() };
}

/** Commander collector for repeatable options. */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function parsePositiveInt(text: string, what: string, max = 10_000): number {
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > max)
    throw new UsageError(`${what}: expected a whole number from 1 to ${max}, got '${text}'`);
  return Number(text);
}

/** Commander collector for repeatable options that may also hold several comma-separated values. */
export const collectList = (value: string, previous: string[] = []): string[] => [
  ...previous,
  ...value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean),
];

export function parseNonNegativeInt(text: string, what: string): number {
  if (!/^\d{1,15}$/.test(text)) throw new UsageError(`${what}: expected a whole number, got '${text}'`);
  return Number(text);
}
