/**
 * What the cluster run sends and how it counts: alerts posted through both ingress nodes as a well-behaved client
 * posts them (the same idempotency key on every attempt, the other node when one does not answer), agents clicking
 * their toasts at the emulator (signed callbacks through the balancer), and the final tally per alert: shown once,
 * clicked once, applied once, in a final state.
 */
import { percentile } from '../perf/lib';
import { alertBody, pool, sleep } from '../chaos/lib';
import type { Emulator, EmulatorNotification } from '../../src/emulator';
import { TERMINAL_STATUSES } from '../../src/shared/messages';
import { alertWorkflowId } from '../../src/shared/constants';
import { AGENTS } from './services';

export interface Planned {
  key: string;
  title: string;
  alertId: string;
  userId: string;
}

export function plan(runId: string, phase: string, n: number): Planned[] {
  return Array.from({ length: n }, (_, i) => {
    const key = `${runId}-${phase}-${i}`;
    return {
      key,
      title: `${phase} #${i}`,
      alertId: alertWorkflowId(key),
      userId: `agent-${String(i % AGENTS).padStart(4, '0')}`,
    };
  });
}

export interface Posted {
  status: number;
  attempts: number;
  ms: number;
}

/** POST one alert to bases[start], then round the nodes on a connection error or a 502/503/504 until `deadline`. */
export async function postAlert(
  bases: string[],
  start: number,
  apiKey: string,
  a: Planned,
  deadline: number,
) {
  const body = JSON.stringify(alertBody(a.key, a.title, a.userId, true));
  const t0 = performance.now();
  for (let attempt = 0; ; attempt++) {
    const base = bases[(start + attempt) % bases.length]!;
    let status = 0;
    let wait = 200;
    try {
      const res = await fetch(`${base}/v1/alerts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(15_000),
      });
      status = res.status;
      await res.arrayBuffer();
      wait = Math.min(Number(res.headers.get('retry-after') ?? 0.5) * 1000, 1_000);
    } catch {
      status = 0;
    }
    if (
      (status >= 200 && status < 300) ||
      ![0, 502, 503, 504].includes(status) ||
      Date.now() + wait > deadline
    )
      return { status, attempts: attempt + 1, ms: performance.now() - t0 };
    await sleep(wait);
  }
}

/** Post `alerts` with `concurrency` in flight (alternating nodes), optionally paced to `perSecond`. */
export async function postAll(
  bases: string[],
  apiKey: string,
  alerts: Planned[],
  opts: { concurrency: number; perSecond?: number; onAnswer?: (done: number) => void },
): Promise<{ results: Posted[]; seconds: number }> {
  const deadline = Date.now() + 240_000;
  const t0 = Date.now();
  let done = 0;
  const results = await pool(alerts, opts.concurrency, async (a, i) => {
    if (opts.perSecond) await sleep(Math.max(0, t0 + (i * 1000) / opts.perSecond - Date.now()));
    const r = await postAlert(bases, i, apiKey, a, deadline);
    opts.onAnswer?.(++done);
    return r;
  });
  return { results, seconds: (Date.now() - t0) / 1000 };
}

export const accepted = (rs: Posted[]) => rs.filter((r) => r.status === 202 || r.status === 200).length;

/** The emulator's notifications for these alerts, by title. */
export function toastsByTitle(emulator: Emulator, alerts: Planned[]): Map<string, EmulatorNotification[]> {
  const wanted = new Set(alerts.map((a) => a.title));
  const out = new Map<string, EmulatorNotification[]>();
  for (const n of emulator.control.listNotifications()) {
    if (!wanted.has(n.title)) continue;
    out.set(n.title, [...(out.get(n.title) ?? []), n]);
  }
  return out;
}

export const shown = (emulator: Emulator, alerts: Planned[]) =>
  [...toastsByTitle(emulator, alerts).values()].filter((l) => l.some((n) => n.deliverable)).length;

/** The agent clicks `ack` on each shown, unclicked toast of these alerts; returns the number of clicks made. */
export function clickShown(emulator: Emulator, alerts: Planned[], limit = Infinity): number {
  let clicks = 0;
  for (const list of toastsByTitle(emulator, alerts).values()) {
    for (const n of list) {
      if (clicks >= limit) return clicks;
      if (!n.deliverable || n.clicks.length > 0) continue;
      emulator.control.click(n.id, { actionId: 'ack' });
      clicks++;
    }
  }
  return clicks;
}

/** Click every toast of `alerts` as it appears (every 200 ms), until the returned stop() is called. */
export function autoClicker(emulator: Emulator, alerts: Planned[]): { stop(): void; errors(): number } {
  let errors = 0;
  const t = setInterval(() => {
    try {
      clickShown(emulator, alerts);
    } catch {
      errors++;
    }
  }, 200);
  return { stop: () => clearInterval(t), errors: () => errors };
}

/** Callback acknowledgement times (click -> the ingress answered 2xx, retries included) of these alerts' clicks. */
export function ackTimes(
  emulator: Emulator,
  alerts: Planned[],
): { p50: number; p99: number; max: number; n: number } {
  const ids = new Set([...toastsByTitle(emulator, alerts).values()].flat().map((n) => n.id));
  const ms = emulator.control
    .listCallbackDeliveries()
    .filter((d) => ids.has(d.notificationId) && d.status === 'delivered' && d.completedAt !== null)
    .map((d) => d.completedAt! - d.createdAt);
  return { p50: percentile(ms, 50), p99: percentile(ms, 99), max: Math.max(0, ...ms), n: ms.length };
}

interface AlertState {
  status: string;
  actions?: Array<{ actionId: string }>;
}

/** Each alert's state through the ingress nodes, polling until every one is final or the time is up. */
export async function finalStates(
  bases: string[],
  apiKey: string,
  alerts: Planned[],
  timeoutMs: number,
): Promise<Map<string, AlertState | undefined>> {
  const states = new Map<string, AlertState | undefined>();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = alerts.filter((a) => !TERMINAL_STATUSES.includes(states.get(a.key)?.status as never));
    await pool(open, 16, async (a, i) => {
      try {
        const res = await fetch(`${bases[i % bases.length]}/v1/alerts/${a.alertId}`, {
          headers: { authorization: `Bearer ${apiKey}` },
          signal: AbortSignal.timeout(10_000),
        });
        if (res.ok) states.set(a.key, (await res.json()) as AlertState);
        else await res.arrayBuffer();
      } catch {
        /* read again next round */
      }
    });
    const stillOpen = alerts.filter((a) => !TERMINAL_STATUSES.includes(states.get(a.key)?.status as never));
    if (stillOpen.length === 0 || Date.now() > deadline) return states;
    await sleep(1_000);
  }
}

export interface Tally {
  alerts: number;
  accepted: number;
  /** Accepted alerts that never reached a final state (or whose state could not be read). */
  lost: number;
  lostKeys: string[];
  /** Second toasts of one alert plus second applications of one click. */
  duplicated: number;
  duplicateToasts: number;
  duplicateActions: number;
  /** Final, but not `actioned` with the one ack (every toast was clicked). */
  notActioned: number;
  toastsShown: number;
  clicks: number;
}

export function tally(
  emulator: Emulator,
  alerts: Planned[],
  posted: Posted[],
  states: Map<string, AlertState | undefined>,
): Tally {
  const byTitle = toastsByTitle(emulator, alerts);
  const lostKeys: string[] = [];
  let duplicateToasts = 0;
  let duplicateActions = 0;
  let notActioned = 0;
  let toastsShown = 0;
  let clicks = 0;
  alerts.forEach((a, i) => {
    const ok = posted[i]!.status === 202 || posted[i]!.status === 200;
    const toasts = byTitle.get(a.title) ?? [];
    toastsShown += toasts.some((n) => n.deliverable) ? 1 : 0;
    duplicateToasts += Math.max(0, toasts.length - 1);
    clicks += toasts.reduce((n, t) => n + t.clicks.length, 0);
    const s = states.get(a.key);
    if (!ok) return;
    if (!s || !TERMINAL_STATUSES.includes(s.status as never)) {
      lostKeys.push(a.key);
      return;
    }
    const actions = s.actions ?? [];
    duplicateActions += Math.max(0, actions.length - 1);
    if (s.status !== 'actioned' || actions[0]?.actionId !== 'ack') notActioned++;
  });
  return {
    alerts: alerts.length,
    accepted: accepted(posted),
    lost: lostKeys.length,
    lostKeys: lostKeys.slice(0, 10),
    duplicated: duplicateToasts + duplicateActions,
    duplicateToasts,
    duplicateActions,
    notActioned,
    toastsShown,
    clicks,
  };
}
