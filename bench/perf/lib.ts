import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { Pool } from 'undici';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[i]!;
}

/** The most events in any window of `windowMs` (sliding). */
export function slidingMax(times: number[], windowMs = 1000): number {
  const ts = [...times].sort((a, b) => a - b);
  let max = 0;
  for (let i = 0, j = 0; i < ts.length; i++) {
    while (ts[i]! - ts[j]! >= windowMs) j++;
    max = Math.max(max, i - j + 1);
  }
  return max;
}

/** 503 answers retried by postAll so far (reported with the results). */
export let retried503 = 0;

export interface Sent {
  key: string;
  start: number;
  end: number;
  status: number;
  body: string;
}

/** POST JSON bodies with `concurrency` requests in flight over keep-alive connections. */
export async function postAll(
  base: string,
  path: string,
  items: { key: string; body: string; headers: Record<string, string> }[],
  concurrency: number,
): Promise<Sent[]> {
  const pool = new Pool(base, { connections: concurrency, pipelining: 1 });
  const out: Sent[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < items.length; i = next++) {
      const it = items[i]!;
      const start = performance.timeOrigin + performance.now();
      // A 503 (Temporal briefly unreachable, with Retry-After) is retried as a caller would; the latency counts it.
      for (let attempt = 1; ; attempt++) {
        const res = await pool.request({
          method: 'POST',
          path,
          headers: { 'content-type': 'application/json', ...it.headers },
          body: it.body,
        });
        const body = await res.body.text();
        if (res.statusCode === 503 && attempt < 20) {
          retried503++;
          await sleep(250);
          continue;
        }
        out[i] = {
          key: it.key,
          start,
          end: performance.timeOrigin + performance.now(),
          status: res.statusCode,
          body,
        };
        break;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  await pool.close();
  return out;
}

/** CPU seconds (user+system) of a process, from /proc (Linux); undefined elsewhere. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return ticks / 100;
  } catch {
    return undefined;
  }
}

/** The pid of the dev server listening on `port` (the CLI's child), for CPU accounting. */
export function devServerPid(port: string): number | undefined {
  try {
    const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
    const line = out.split('\n').find((l) => l.includes('server start-dev') && l.includes(`--port ${port} `));
    return line ? Number(line.trim().split(/\s+/)[0]) : undefined;
  } catch {
    return undefined;
  }
}

export async function waitFor<T>(
  fn: () => T | Promise<T>,
  timeoutMs: number,
  what: string,
  intervalMs = 100,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** Open-loop load: request i starts at t0 + i/ratePerSecond whatever the answers so far (like clicks arriving). */
export async function postOpenLoop(
  base: string,
  path: string,
  items: { key: string; body: string; headers: Record<string, string> | (() => Record<string, string>) }[],
  ratePerSecond: number,
): Promise<Sent[]> {
  const pool = new Pool(base, { connections: 64, pipelining: 1 });
  const t0 = performance.now();
  const out = await Promise.all(
    items.map(async (it, i) => {
      const due = t0 + (i * 1000) / ratePerSecond;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const headers = typeof it.headers === 'function' ? it.headers() : it.headers;
      const start = performance.timeOrigin + performance.now();
      const res = await pool.request({
        method: 'POST',
        path,
        headers: { 'content-type': 'application/json', ...headers },
        body: it.body,
      });
      const body = await res.body.text();
      return {
        key: it.key,
        start,
        end: performance.timeOrigin + performance.now(),
        status: res.statusCode,
        body,
      };
    }),
  );
  await pool.close();
  return out;
}
