/**
 * The metric names a PromQL expression reads, for checking a dashboard's and a rule file's queries against a real
 * scrape. No PromQL parser is installed, so this is a tokenizer that removes everything that is not a metric name:
 * strings (label values, Grafana's `$job`), label matchers `{...}`, range and subquery brackets `[5m]`, grouping
 * label lists (`by (...)`, `on (...)`, ...), numbers and durations, keywords, and any identifier followed by `(`
 * (a function or an aggregation). What is left are the selectors' names.
 */

/** Words that are PromQL syntax, never a metric name, where they may stand alone. */
const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'inf',
  'nan',
  'atan2',
  'start',
  'end',
]);

/** Label lists after these words name labels, not metrics. */
const LABEL_LIST = /\b(by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)/g;

export function promqlMetricNames(expr: string): string[] {
  const rest = expr
    .replace(/#[^\n]*/g, ' ') // comments
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' ') // strings
    .replace(/\{[^{}]*\}/g, ' ') // label matchers
    .replace(/\[[^[\]]*\]/g, ' ') // ranges, subqueries ($__rate_interval too)
    .replace(LABEL_LIST, ' ');
  const names = new Set<string>();
  // Not after a digit, a dot or a word character: `1e3`, `0.5m` and `5m` are numbers and durations.
  for (const m of rest.matchAll(/(?<![\w.:$])[a-zA-Z_:][\w:]*(?![\w:]|\s*\()/g)) {
    const word = m[0];
    if (KEYWORDS.has(word.toLowerCase())) continue;
    names.add(word);
  }
  return [...names].sort();
}

/** Grafana's `label_values(metric_or_selector, label)` variable query: the metric it reads, if it names one. */
export function labelValuesMetric(query: string): string[] {
  const m = /^\s*label_values\s*\(\s*([a-zA-Z_:][\w:]*)\s*(?:\{[^}]*\})?\s*,/.exec(query);
  return m ? [m[1]!] : [];
}

/** `# TYPE name type` lines of a Prometheus text scrape: every registered family, even one with no sample yet. */
export function scrapeFamilies(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of text.matchAll(/^# TYPE ([a-zA-Z_:][\w:]*) (\w+)$/gm)) out.set(m[1]!, m[2]!);
  return out;
}

/**
 * Whether a name a query reads is a series the scrape has: a counter or gauge by its name, a histogram only
 * through its `_bucket`, `_sum` and `_count` series, a summary by its name (the quantiles), `_sum` and `_count`.
 */
export function exposes(families: Map<string, string>, name: string): boolean {
  const type = families.get(name);
  if (type !== undefined) return type !== 'histogram';
  const m = /^(.*)_(bucket|sum|count)$/.exec(name);
  if (!m) return false;
  const base = families.get(m[1]!);
  return base === 'histogram' || (base === 'summary' && m[2] !== 'bucket');
}
