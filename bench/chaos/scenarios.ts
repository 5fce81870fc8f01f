/**
 * The five chaos scenarios of issue 6. Each builds its own stack (emulator, ingress, worker process)
 * on a task queue of its own, breaks something on purpose, and measures what the callers, the
 * emulator (toasts), the fallback sink and the callback inbox saw.
 */
import { randomUUID } from 'node:crypto';
import { webhookHeaders } from '../../src/shared/standard-webhooks';
import {
  alertBody,
  deliveryReport,
  pool,
  postAlert,
  restartTemporal,
  seeded,
  shuffle,
  sleep,
  SIGNING_SECRET,
  startStack,
  users,
  waitUntil,
  type CallResult,
  type RunEnv,
  type Stack,
} from './lib';

export interface ScenarioResult {
  name: string;
  title: string;
  pass: boolean;
  metrics: Record<string, number>;
  /** Why it failed (empty when it passed). */
  failures: string[];
}

export interface ScenarioOptions {
  /** Alerts per burst scenario (the issue's number is 500). */
  alerts: number;
  /** Callbacks in scenario 4 (the issue's number is 1,000). */
  callbacks: number;
  /** Alerts in scenario 5. */
  flipAlerts: number;
}

interface Planned {
  key: string;
  title: string;
  alertId: string;
  userId: string;
}

function plan(env: RunEnv, name: string, n: number, agents: number): Planned[] {
  return Array.from({ length: n }, (_, i) => {
    const key = `${env.runId}-${name}-${i}`;
    return {
      key,
      title: `${name} #${i}`,
      alertId: `alert-${key}`,
      userId: `agent-${String(i % agents).padStart(4, '0')}`,
    };
  });
}

function check(failures: string[], ok: boolean, what: string): void {
  if (!ok) failures.push(what);
}

/** What every burst scenario promises: each alert shown once, none duplicated, none lost. */
function checkDelivered(
  failures: string[],
  m: { toastsShown: number; duplicates: number; lost: number },
  sent: number,
  lostKeys: string[],
  shownSuffix = '',
): void {
  check(failures, m.toastsShown === sent, `${sent - m.toastsShown} alerts never shown${shownSuffix}`);
  check(failures, m.duplicates === 0, `${m.duplicates} duplicate toasts`);
  check(
    failures,
    m.lost === 0,
    lostKeys.length ? `${m.lost} lost: ${lostKeys.slice(0, 3).join(', ')}` : `${m.lost} lost`,
  );
}

/** Post the alerts (bounded concurrency); `onEach` sees the running count of answered requests. */
async function burst(
  stack: Stack,
  alerts: Planned[],
  opts: { retry: boolean; concurrency: number; callback?: boolean; onEach?: (done: number) => void },
) {
  let done = 0;
  const deadline = Date.now() + 180_000;
  const results = await pool(alerts, opts.concurrency, async (a) => {
    const r = await postAlert(stack.ingress.url, alertBody(a.key, a.title, a.userId, opts.callback), {
      retry: opts.retry,
      deadline,
    });
    opts.onEach?.(++done);
    return r;
  });
  return results;
}

const accepted = (results: CallResult[]) =>
  results.filter((r) => r.status === 202 || r.status === 200).length;
const callerErrors = (results: CallResult[]) => results.reduce((n, r) => n + r.errors, 0);

function shownCount(stack: Stack, prefix: string): number {
  return stack.emulator.control.listNotifications().filter((n) => n.title.startsWith(prefix) && n.deliverable)
    .length;
}

// ------------------------------------------------------------------------------------------
// 1. SIGKILL the worker three times during a burst
// ------------------------------------------------------------------------------------------
export async function workerKills(env: RunEnv, o: ScenarioOptions): Promise<ScenarioResult> {
  const name = 'worker-sigkill';
  const stack = await startStack(env, name, { users: users(100) });
  const failures: string[] = [];
  try {
    const alerts = plan(env, name, o.alerts, 100);
    const t0 = Date.now();
    // Kill when 15 %, 40 % and 65 % of the toasts are out: each time mid-stream, with work in flight.
    const killer = (async () => {
      for (const share of [0.15, 0.4, 0.65]) {
        await waitUntil(() => shownCount(stack, `${name} #`) >= share * alerts.length, 240_000, 50);
        await stack.worker.kill9();
        env.log(
          `  SIGKILL #${stack.worker.kills} at ${shownCount(stack, `${name} #`)} toasts; a new worker is polling`,
        );
      }
    })();
    const results = await burst(stack, alerts, { retry: true, concurrency: 10 });
    await killer;
    await waitUntil(() => deliveryReport(stack, alerts).lost === 0, 240_000, 500);
    await sleep(2_000); // a late duplicate would show up now
    const rep = deliveryReport(stack, alerts);
    const metrics = {
      alertsSent: accepted(results),
      toastsShown: rep.toasts,
      duplicates: rep.duplicates,
      lost: rep.lost,
      fallbacks: rep.fallbacks,
      callbacksApplied: 0,
      deadLettered: stack.ingress.inbox.deadLetterCount(),
      workerKills: stack.worker.kills,
      workerCrashes: stack.worker.crashes,
      callerErrors: callerErrors(results),
      seconds: Math.round((Date.now() - t0) / 100) / 10,
    };
    check(
      failures,
      metrics.alertsSent === alerts.length,
      `${alerts.length - metrics.alertsSent} alert requests not accepted`,
    );
    check(failures, metrics.workerKills === 3, `worker killed ${metrics.workerKills} times, not 3`);
    checkDelivered(failures, metrics, alerts.length, rep.lostKeys);
    return {
      name,
      title: 'SIGKILL the worker 3x during a burst',
      pass: failures.length === 0,
      metrics,
      failures,
    };
  } finally {
    await stack.close();
  }
}

// ------------------------------------------------------------------------------------------
// 2. Stop and restart the Temporal server during a burst
// ------------------------------------------------------------------------------------------
export async function temporalRestart(env: RunEnv, o: ScenarioOptions): Promise<ScenarioResult> {
  const name = 'temporal-restart';
  const stack = await startStack(env, name, { users: users(100) });
  const failures: string[] = [];
  try {
    const alerts = plan(env, name, o.alerts, 100);
    const t0 = Date.now();
    let outage: Promise<{ downForMs: number }> | undefined;
    const results = await burst(stack, alerts, {
      retry: true,
      concurrency: 10,
      onEach: (done) => {
        if (done === Math.floor(alerts.length * 0.3)) outage = restartTemporal(env, 5_000);
      },
    });
    const { downForMs } = (await outage) ?? { downForMs: 0 };
    await waitUntil(() => deliveryReport(stack, alerts).lost === 0, 240_000, 500);
    await sleep(2_000);
    const rep = deliveryReport(stack, alerts);
    const metrics = {
      alertsSent: accepted(results),
      toastsShown: rep.toasts,
      duplicates: rep.duplicates,
      lost: rep.lost,
      fallbacks: rep.fallbacks,
      callbacksApplied: 0,
      deadLettered: stack.ingress.inbox.deadLetterCount(),
      temporalDownSeconds: Math.round(downForMs / 100) / 10,
      callerRetries: callerErrors(results),
      workerRestarts: stack.worker.starts - 1,
      seconds: Math.round((Date.now() - t0) / 100) / 10,
    };
    check(failures, downForMs > 0, 'the Temporal server was never stopped');
    check(
      failures,
      metrics.alertsSent === alerts.length,
      `${alerts.length - metrics.alertsSent} alert requests never accepted (callers gave up)`,
    );
    checkDelivered(failures, metrics, alerts.length, rep.lostKeys);
    return {
      name,
      title: 'Temporal server stopped + restarted mid-burst',
      pass: failures.length === 0,
      metrics,
      failures,
    };
  } finally {
    await stack.close();
  }
}

// ------------------------------------------------------------------------------------------
// 3. A hostile Genesys: 5xx, slow answers, revoked tokens, 429 bursts
// ------------------------------------------------------------------------------------------
export async function genesysFaults(env: RunEnv, o: ScenarioOptions): Promise<ScenarioResult> {
  const name = 'genesys-faults';
  const timeoutMs = 1_500;
  const stack = await startStack(env, name, { users: users(100), genesysTimeoutMs: timeoutMs });
  const failures: string[] = [];
  const c = stack.emulator.control;
  let revocations = 0;
  let bursts429 = 0;
  let stopFaults = false;
  try {
    const alerts = plan(env, name, o.alerts, 100);
    const t0 = Date.now();
    // 10 % of API calls answer 5xx, 5 % answer only after the client's time-out (the call still happens).
    const rates = {
      errorRate: 0.1,
      errorPathPrefix: '/api/',
      slowRate: 0.05,
      slowMs: timeoutMs + 1_000,
      latencyPathPrefix: '/api/',
    };
    c.setFaults({ ...rates, errorStatus: 503 });
    const statuses = [500, 502, 503, 504];
    // Every few seconds the token is revoked; every 6 s, for one second, every call is throttled
    // (429 + Retry-After: 1), the way a saturated rate limiter answers a burst.
    const faults = (async () => {
      for (let tick = 0; !stopFaults; tick++) {
        await sleep(1_000);
        c.setFaults({ errorStatus: statuses[tick % statuses.length]! });
        if (tick % 4 === 1) revocations += c.revokeTokens() > 0 ? 1 : 0;
        if (tick % 6 === 3) {
          c.burst429({ count: 100_000, retryAfterSeconds: 1 });
          bursts429++;
          await sleep(1_000);
          c.clearFaults(); // ends the 429 window (and resets the rates, set again at once)
          c.setFaults({ ...rates, errorStatus: statuses[tick % statuses.length]! });
        }
      }
    })();
    const results = await burst(stack, alerts, { retry: false, concurrency: 10 });
    await waitUntil(() => deliveryReport(stack, alerts).lost === 0, 240_000, 500);
    stopFaults = true;
    await faults;
    c.clearFaults();
    await sleep(2_000);
    const rep = deliveryReport(stack, alerts);
    const s = c.stats();
    const byStatus = s.requests.byStatus;
    const count = (pred: (st: number) => boolean) =>
      Object.entries(byStatus).reduce((n, [k, v]) => n + (pred(Number(k)) ? v : 0), 0);
    const metrics = {
      alertsSent: accepted(results),
      toastsShown: rep.toasts,
      duplicates: rep.duplicates,
      lost: rep.lost,
      fallbacks: rep.fallbacks,
      callbacksApplied: 0,
      deadLettered: stack.ingress.inbox.deadLetterCount(),
      callerErrors: callerErrors(results),
      genesys5xx: count((st) => st >= 500),
      genesys429: count((st) => st === 429),
      genesys401: count((st) => st === 401),
      slowCalls:
        s.requests.total > 0
          ? c.listRequests({ limit: 100_000 }).filter((r) => r.latencyMs >= timeoutMs).length
          : 0,
      tokenRevocations: revocations,
      bursts429,
      duplicateSendsSuppressed: s.notifications.duplicatesSuppressed,
      seconds: Math.round((Date.now() - t0) / 100) / 10,
    };
    check(failures, metrics.callerErrors === 0, `${metrics.callerErrors} errors visible to callers`);
    checkDelivered(failures, metrics, alerts.length, [], ' (100 % required)');
    check(
      failures,
      metrics.genesys5xx > 0 && metrics.genesys429 > 0 && metrics.genesys401 > 0 && metrics.slowCalls > 0,
      'not every fault was injected',
    );
    return {
      name,
      title: 'Genesys 5xx 10 %, slow 5 %, token revocations, 429 bursts',
      pass: failures.length === 0,
      metrics,
      failures,
    };
  } finally {
    stopFaults = true;
    await stack.close();
  }
}

// ------------------------------------------------------------------------------------------
// 4. 1,000 callbacks: duplicates, malformed, bad signatures, stale timestamps, Temporal down
// ------------------------------------------------------------------------------------------
type CallbackKind = 'valid' | 'duplicate' | 'malformed_json' | 'invalid_schema' | 'bad_signature' | 'stale';

interface PlannedCallback {
  kind: CallbackKind;
  key?: string;
  body: string;
  headers: Record<string, string>;
}

/** The genuine signature with its first byte changed (always changed: a fixed replacement may equal it). */
function tamper(sig: string): string {
  const bytes = Buffer.from(sig.slice('v1,'.length), 'base64');
  bytes[0] = bytes[0]! ^ 0xff;
  return `v1,${bytes.toString('base64')}`;
}

export async function callbackStorm(env: RunEnv, o: ScenarioOptions): Promise<ScenarioResult> {
  const name = 'callback-storm';
  const total = o.callbacks;
  const nDup = Math.round(total * 0.3);
  const nMalformed = Math.round(total * 0.05);
  const nBadSig = Math.round(total * 0.05);
  const nStale = Math.round(total * 0.05);
  const nValid = total - nDup - nMalformed - nBadSig - nStale;
  const stack = await startStack(env, name, { users: users(100) });
  const failures: string[] = [];
  const random = seeded(4);
  try {
    // One alert per valid callback, each waiting for its agent's click.
    const alerts = plan(env, name, nValid, 100);
    const t0 = Date.now();
    const started = await burst(stack, alerts, { retry: true, concurrency: 10, callback: true });
    check(failures, accepted(started) === alerts.length, 'not every alert was accepted');
    await waitUntil(() => deliveryReport(stack, alerts).toasts === alerts.length, 180_000, 500);
    env.log(`  ${alerts.length} alerts shown, waiting for their clicks; sending ${total} callbacks`);
    const byTitle = new Map(stack.emulator.control.listNotifications().map((n) => [n.title, n]));

    const sign = (body: string, at = new Date()): Record<string, string> => ({
      'content-type': 'application/json',
      ...webhookHeaders(SIGNING_SECRET, `msg_${randomUUID()}`, body, at),
    });
    const clickBody = (a: (typeof alerts)[number], actionId = 'ack') => {
      const n = byTitle.get(a.title)!;
      const action = n.actions.find((x) => x.id === 'ack')!;
      return JSON.stringify({
        notificationId: n.id,
        userId: n.userId,
        actionId,
        metadata: action.metadata,
        timestamp: new Date().toISOString(),
      });
    };
    const valid: PlannedCallback[] = alerts.map((a) => {
      const body = clickBody(a);
      return { kind: 'valid', key: `${byTitle.get(a.title)!.id}:ack`, body, headers: sign(body) };
    });
    const list: PlannedCallback[] = [...valid];
    for (let i = 0; i < nDup; i++) {
      const v = valid[Math.floor(random() * valid.length)]!;
      // The platform's retry (same delivery) or a second delivery of the same click (new webhook-id).
      list.push({ kind: 'duplicate', key: v.key, body: v.body, headers: i % 2 ? v.headers : sign(v.body) });
    }
    for (let i = 0; i < nMalformed; i++) {
      const a = alerts[i % alerts.length]!;
      const body =
        i % 2
          ? clickBody(a).slice(0, 40)
          : JSON.stringify({ notificationId: 'n', userId: 42, actionId: '', timestamp: 'yesterday' });
      list.push({ kind: i % 2 ? 'malformed_json' : 'invalid_schema', body, headers: sign(body) });
    }
    for (let i = 0; i < nBadSig; i++) {
      // A forged click: if it got in, the alert would show an action nobody took.
      const body = clickBody(alerts[i % alerts.length]!, 'forged');
      const h = sign(body);
      list.push({
        kind: 'bad_signature',
        body,
        headers: {
          ...h,
          'webhook-signature':
            i % 2 ? `v1,${Buffer.alloc(32, i).toString('base64')}` : tamper(h['webhook-signature']!),
        },
      });
    }
    for (let i = 0; i < nStale; i++) {
      const body = clickBody(alerts[i % alerts.length]!, 'forged');
      list.push({ kind: 'stale', body, headers: sign(body, new Date(Date.now() - (6 + (i % 30)) * 60_000)) });
    }
    shuffle(list, random);

    // Paced over ~10 s; the Temporal server is down from 30 % of the way for a while.
    const answers: Array<{ kind: CallbackKind; status: number; ms: number }> = [];
    let outage: Promise<{ downForMs: number }> | undefined;
    const gapMs = 10_000 / total;
    let sent = 0;
    const t0Send = Date.now();
    await pool(list, 20, async (cb, i) => {
      await sleep(Math.max(0, t0Send + i * gapMs - Date.now()));
      if (i === Math.floor(total * 0.3)) outage = restartTemporal(env, 5_000);
      const t = performance.now();
      let status = 0;
      try {
        const res = await fetch(`${stack.ingress.url}/webhooks/desktop-callback`, {
          method: 'POST',
          body: cb.body,
          headers: cb.headers,
          signal: AbortSignal.timeout(10_000),
        });
        status = res.status;
        await res.arrayBuffer();
      } catch {
        status = 0;
      }
      answers.push({ kind: cb.kind, status, ms: performance.now() - t });
      sent++;
    });
    const { downForMs } = (await outage) ?? { downForMs: 0 };

    env.log(
      `  ${sent} callbacks answered (slowest ${Math.round(Math.max(...answers.map((a) => a.ms)))} ms); waiting for the relay`,
    );
    // Everything that went in is applied or dead-lettered.
    await waitUntil(() => stack.ingress.inbox.counts().received === 0, 120_000, 250);
    await stack.ingress.relay.idle();
    env.log(`  inbox drained: ${JSON.stringify(stack.ingress.inbox.counts())}; reading every alert's state`);
    const states = await pool(alerts, 16, async (a) => {
      for (let i = 0; i < 20; i++) {
        try {
          return await stack.ingress.alerts.getAlert(a.alertId);
        } catch {
          await sleep(500);
        }
      }
      return null;
    });
    const counts = stack.ingress.inbox.counts();
    const dead = stack.ingress.inbox.listDeadLetters({ limit: 1000 });
    const by = (kind: CallbackKind, pred: (s: number) => boolean) =>
      answers.filter((a) => a.kind === kind && pred(a.status)).length;
    const exactlyOnce = states.filter(
      (s) => s?.status === 'actioned' && s.actions.length === 1 && s.actions[0]!.actionId === 'ack',
    ).length;
    const metrics = {
      alertsSent: accepted(started),
      toastsShown: deliveryReport(stack, alerts).toasts,
      duplicates: deliveryReport(stack, alerts).duplicates,
      lost: valid.length - exactlyOnce,
      fallbacks: 0,
      callbacksSent: sent,
      callbacksApplied: counts.applied,
      deadLettered: counts.dead_lettered,
      accepted202: answers.filter((a) => a.status === 202).length,
      duplicate200: answers.filter((a) => a.status === 200).length,
      refused401: answers.filter((a) => a.status === 401).length,
      malformed400: answers.filter((a) => a.status === 400).length,
      answers5xxOrNone: answers.filter((a) => a.status >= 500 || a.status === 0).length,
      alertsActionedExactlyOnce: exactlyOnce,
      maxAnswerMs: Math.round(Math.max(...answers.map((a) => a.ms))),
      temporalDownSeconds: Math.round(downForMs / 100) / 10,
      seconds: Math.round((Date.now() - t0) / 100) / 10,
    };
    check(failures, downForMs > 0, 'the Temporal server was never stopped');
    check(
      failures,
      metrics.callbacksApplied === nValid,
      `${metrics.callbacksApplied} callbacks applied, expected ${nValid}`,
    );
    check(
      failures,
      exactlyOnce === nValid,
      `${nValid - exactlyOnce} alerts do not hold exactly their one action`,
    );
    check(
      failures,
      metrics.accepted202 === nValid,
      `${metrics.accepted202} answered 202, expected ${nValid}`,
    );
    check(
      failures,
      by('valid', (s) => s === 202 || s === 200) + by('duplicate', (s) => s === 202 || s === 200) ===
        nValid + nDup,
      'a valid callback or its duplicate was not answered 2xx',
    );
    check(
      failures,
      by('bad_signature', (s) => s === 401) === nBadSig,
      'a bad signature was not refused with 401',
    );
    check(failures, by('stale', (s) => s === 401) === nStale, 'a stale timestamp was not refused with 401');
    check(
      failures,
      by('malformed_json', (s) => s === 400) + by('invalid_schema', (s) => s === 400) === nMalformed,
      'a malformed body was not answered 400',
    );
    check(
      failures,
      metrics.deadLettered === nMalformed &&
        dead.every((d) => d.reason === 'malformed_json' || d.reason === 'invalid_schema'),
      `dead letters: ${metrics.deadLettered} (${[...new Set(dead.map((d) => d.reason))].join(', ')}), expected ${nMalformed} malformed`,
    );
    check(failures, metrics.maxAnswerMs < 5_000, `slowest answer ${metrics.maxAnswerMs} ms (limit 5 s)`);
    check(
      failures,
      metrics.answers5xxOrNone === 0,
      `${metrics.answers5xxOrNone} answers were 5xx or missing`,
    );
    return {
      name,
      title: `${total} callbacks (30% dup, 5% malformed/bad sig/stale), Temporal down`,
      pass: failures.length === 0,
      metrics,
      failures,
    };
  } finally {
    await stack.close();
  }
}

// ------------------------------------------------------------------------------------------
// 5. Agents log out between the check and the send
// ------------------------------------------------------------------------------------------
export async function presenceFlips(env: RunEnv, o: ScenarioOptions): Promise<ScenarioResult> {
  const name = 'presence-flip';
  const n = o.flipAlerts;
  // One agent per alert: a flip logs that agent out, and no other alert goes to them.
  const stack = await startStack(env, name, { users: users(n), fallback: true });
  const failures: string[] = [];
  try {
    const alerts = plan(env, name, n, n);
    const t0 = Date.now();
    stack.emulator.control.setFaults({ presenceFlipRate: 0.2 });
    const results = await burst(stack, alerts, { retry: false, concurrency: 10 });
    await waitUntil(() => deliveryReport(stack, alerts).lost === 0, 180_000, 500);
    await sleep(2_000);
    const rep = deliveryReport(stack, alerts);
    const flips = stack.emulator.control.stats().notifications.presenceFlips;
    const states = await pool(alerts, 16, (a) => stack.ingress.alerts.getAlert(a.alertId).catch(() => null));
    const changed = alerts
      .map((a, i) => ({ a, s: states[i] }))
      .filter(({ s }) => s?.desktopFailureReason?.startsWith('session_changed'));
    const changedFallenBack = changed.filter(
      ({ a, s }) => stack.sink.byAlert.has(a.alertId) && s?.status === 'fallback_delivered',
    ).length;
    const metrics = {
      alertsSent: accepted(results),
      toastsShown: rep.toasts,
      duplicates: rep.duplicates,
      lost: rep.lost,
      fallbacks: rep.fallbacks,
      callbacksApplied: 0,
      deadLettered: stack.ingress.inbox.deadLetterCount(),
      presenceFlips: flips,
      sessionChangedAlerts: changed.length,
      sessionChangedFallenBack: changedFallenBack,
      seconds: Math.round((Date.now() - t0) / 100) / 10,
    };
    check(failures, flips > 0, 'no agent logged out between check and send');
    check(
      failures,
      changed.length === flips,
      `${flips} flips but ${changed.length} alerts saw the session change`,
    );
    check(
      failures,
      changedFallenBack === changed.length,
      `${changed.length - changedFallenBack} logged-out alerts did not reach the fallback`,
    );
    check(failures, rep.toasts + rep.fallbacks === n && rep.lost === 0, `${rep.lost} lost`);
    check(failures, rep.duplicates === 0, `${rep.duplicates} duplicate toasts`);
    return {
      name,
      title: 'Agents log out between check and send (20 %)',
      pass: failures.length === 0,
      metrics,
      failures,
    };
  } finally {
    await stack.close();
  }
}
