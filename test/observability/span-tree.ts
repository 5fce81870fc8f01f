import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

/** One trace's spans as an indented tree of names, children in start order (for the test's output and the README). */
export function renderSpanTree(spans: ReadableSpan[]): string {
  const ids = new Set(spans.map((s) => s.spanContext().spanId));
  const children = new Map<string | undefined, ReadableSpan[]>();
  for (const s of spans) {
    // A span whose parent is not among these (the caller's, from the traceparent) is a root here.
    const parent = s.parentSpanId && ids.has(s.parentSpanId) ? s.parentSpanId : undefined;
    children.set(parent, [...(children.get(parent) ?? []), s]);
  }
  const startOf = (s: ReadableSpan) => s.startTime[0] * 1e9 + s.startTime[1];
  const lines: string[] = [];
  const walk = (parent: string | undefined, depth: number) => {
    for (const s of (children.get(parent) ?? []).sort((a, b) => startOf(a) - startOf(b))) {
      lines.push(`${'  '.repeat(depth)}${s.name}`);
      walk(s.spanContext().spanId, depth + 1);
    }
  };
  walk(undefined, 0);
  return lines.join('\n');
}

/** The names from a span up to its trace's root (nearest first). */
export function ancestry(spans: ReadableSpan[], span: ReadableSpan): string[] {
  const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
  const names: string[] = [];
  for (
    let p = span.parentSpanId && byId.get(span.parentSpanId);
    p;
    p = p.parentSpanId && byId.get(p.parentSpanId)
  )
    names.push(p.name);
  return names;
}
