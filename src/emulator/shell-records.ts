/**
 * What each agent's desktop shell showed, as its page reports it (POST /__emulator/desktop/:userId/...):
 * host toasts, the attention count and the lifecycle messages. Bounded per agent; cleared by reset().
 */
import { randomUUID } from 'node:crypto';
import { checkNumber, fail } from './checks';
import type {
  AttentionCount,
  HostToast,
  HostToastReport,
  HostToastType,
  ShellLifecycleEntry,
  ShellState,
} from './types';

/** Per agent: older entries are dropped first. */
const MAX_TOASTS = 500;
const MAX_LIFECYCLE = 200;
/** Longer than any real toast; the page sends what the app sent, so a bound keeps memory in check. */
const MAX_TEXT = 10_000;
const TYPES: readonly HostToastType[] = ['info', 'success', 'error'];
const DISMISSALS = ['close', 'timeout', 'replaced'] as const;

interface AgentRecord {
  toasts: HostToast[];
  attention: AttentionCount | null;
  lifecycle: ShellLifecycleEntry[];
}

function text(v: unknown, name: string, max = MAX_TEXT): string {
  if (typeof v !== 'string' || v.length > max)
    fail(400, 'invalid.value', `${name} must be a string of at most ${max} characters`);
  return v;
}

function bool(v: unknown, name: string, fallback?: boolean): boolean {
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'boolean') fail(400, 'invalid.value', `${name} must be a boolean`);
  return v;
}

export class ShellRecords {
  private agents = new Map<string, AgentRecord>();

  reset(): void {
    this.agents.clear();
  }

  private agent(userId: string): AgentRecord {
    let a = this.agents.get(userId);
    if (!a) {
      a = { toasts: [], attention: null, lifecycle: [] };
      this.agents.set(userId, a);
    }
    return a;
  }

  state(userId: string): ShellState {
    const a = this.agents.get(userId);
    return structuredClone({
      userId,
      hostToasts: a?.toasts ?? [],
      attention: a?.attention ?? null,
      lifecycle: a?.lifecycle ?? [],
    });
  }

  addToast(userId: string, body: Record<string, unknown>): HostToast {
    const r = body as Partial<Record<keyof HostToastReport, unknown>>;
    const type = r.type as HostToastType;
    if (!TYPES.includes(type)) fail(400, 'invalid.value', `type must be one of ${TYPES.join(', ')}`);
    const appToastId =
      r.appToastId === undefined || r.appToastId === null ? null : text(r.appToastId, 'appToastId', 500);
    const toast: HostToast = {
      id: randomUUID(),
      userId,
      appToastId,
      title: text(r.title, 'title'),
      message: text(r.message, 'message'),
      type,
      markdownMessage: bool(r.markdownMessage, 'markdownMessage', true),
      timeout: checkNumber(r.timeout, 0, 86_400, 'timeout'),
      showCloseButton: bool(r.showCloseButton, 'showCloseButton'),
      appOrigin: text(r.appOrigin, 'appOrigin', 500),
      shownAt: new Date().toISOString(),
      dismissedAt: null,
      dismissedBy: null,
    };
    const a = this.agent(userId);
    a.toasts.push(toast);
    if (a.toasts.length > MAX_TOASTS) a.toasts.splice(0, a.toasts.length - MAX_TOASTS);
    return structuredClone(toast);
  }

  /** The first dismissal counts; 404 for a toast this agent's shell never reported. */
  dismissToast(userId: string, body: Record<string, unknown>): HostToast {
    const id = text(body.id, 'id', 100);
    const by = body.by as (typeof DISMISSALS)[number];
    if (!DISMISSALS.includes(by)) fail(400, 'invalid.value', `by must be one of ${DISMISSALS.join(', ')}`);
    const toast = this.agents.get(userId)?.toasts.find((t) => t.id === id);
    if (!toast) fail(404, 'not.found', `No host toast ${id} for ${userId}`);
    if (!toast.dismissedAt) {
      toast.dismissedAt = new Date().toISOString();
      toast.dismissedBy = by;
    }
    return structuredClone(toast);
  }

  setAttention(userId: string, body: Record<string, unknown>): AttentionCount {
    const count = checkNumber(body.count, 0, 1_000_000, 'count');
    const attention = { count, updatedAt: new Date().toISOString() };
    this.agent(userId).attention = attention;
    return { ...attention };
  }

  addLifecycle(userId: string, body: Record<string, unknown>): ShellLifecycleEntry {
    const direction = body.direction;
    if (direction !== 'sent' && direction !== 'received')
      fail(400, 'invalid.value', 'direction must be sent or received');
    const entry: ShellLifecycleEntry = {
      direction,
      name: text(body.name, 'name', 100),
      at: new Date().toISOString(),
    };
    const a = this.agent(userId);
    a.lifecycle.push(entry);
    if (a.lifecycle.length > MAX_LIFECYCLE) a.lifecycle.splice(0, a.lifecycle.length - MAX_LIFECYCLE);
    return { ...entry };
  }
}
