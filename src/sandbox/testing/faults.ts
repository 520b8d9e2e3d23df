/**
 * TEST-ONLY: disturbances of upload POSTs (error statuses, resets, stalls, redirects, Retry-After, an error after
 * the file was stored) that tests queue with `injectFault` to see how the client copes. `--rehearse` never
 * injects any; with an empty queue the server answers every request with the double's own handler.
 */
import type http from 'node:http';
import type { Socket } from 'node:net';
import type { Reply } from '../http/reply.js';

export type FaultKind =
  | 'status'
  | 'reset-before-response'
  | 'reset-mid-body'
  | 'stall'
  | 'stall-mid-body'
  | 'slow-answer'
  | 'redirect'
  | 'retry-after'
  | 'status-after-store';

/**
 * A disturbance applied to upload POSTs only, in injection order. Each entry is used `times` times (default 1),
 * or for every later upload when `always` is set.
 */
export interface FaultPlan {
  kind: FaultKind;
  /** 'status' default 503, 'redirect' default 307, 'retry-after' default 429, 'status-after-store' default 500. */
  status?: number;
  /** Response body (default empty). */
  body?: string;
  /** Reason phrase (default: Node's standard phrase for the status). */
  reason?: string;
  /** Extra response headers. */
  headers?: Record<string, string>;
  /** 'redirect': Location (default `${url}/redirected${uploadPath}`). */
  location?: string;
  /** 'retry-after': value of the Retry-After header in seconds (default 1). */
  retryAfterSeconds?: number;
  /**
   * 'stall': how long to hold the request, once its body is read, before destroying the socket;
   * 'stall-mid-body': how long to stop reading the body before destroying the socket;
   * 'slow-answer': how long to take over the answer (as Warehouse does, scanning a big file) before
   * handling the upload normally (default 30 000 ms).
   */
  stallMs?: number;
  times?: number;
  always?: boolean;
}

export class FaultQueue {
  private entries: Array<{ plan: FaultPlan; remaining: number }> = [];

  push(plan: FaultPlan): void {
    this.entries.push({ plan, remaining: Math.max(1, plan.times ?? 1) });
  }

  clear(): void {
    this.entries = [];
  }

  take(): FaultPlan | undefined {
    const head = this.entries[0];
    if (!head) return undefined;
    if (!head.plan.always) {
      head.remaining -= 1;
      if (head.remaining <= 0) this.entries.shift();
    }
    return head.plan;
  }
}

const DEFAULT_STALL_MS = 30_000;

/** The timers of stalls and slow answers, cleared when the server closes so that closing never waits on them. */
export class FaultTimers {
  private readonly pending = new Set<NodeJS.Timeout>();

  /** Destroys the socket later; unref'd, so a stalled request never keeps the process alive. */
  destroyLater(socket: Socket, ms: number): void {
    const t = setTimeout(() => {
      this.pending.delete(t);
      socket.destroy();
    }, ms);
    t.unref();
    this.pending.add(t);
  }

  sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        this.pending.delete(t);
        resolve();
      }, ms);
      this.pending.add(t);
    });
  }

  clear(): void {
    for (const t of this.pending) clearTimeout(t);
    this.pending.clear();
  }
}

/** 'stall-mid-body', applied before the body is read: true when the fault took the request over. */
export function stallMidBody(fault: FaultPlan | undefined, req: http.IncomingMessage, timers: FaultTimers): boolean {
  if (fault?.kind !== 'stall-mid-body') return false;
  // Stop reading: the client's socket buffers fill and its sending stalls.
  req.pause();
  timers.destroyLater(req.socket, fault.stallMs ?? DEFAULT_STALL_MS);
  return true;
}

/**
 * The faults applied once the body is read, instead of (or, for 'slow-answer', before) the double's handler:
 * a reply to send, 'handled' when the connection was dealt with, 'continue' to run the handler.
 */
export async function faultBeforeHandler(
  fault: FaultPlan | undefined,
  req: http.IncomingMessage,
  timers: FaultTimers,
  defaultRedirect: () => string,
): Promise<{ reply: Reply } | 'handled' | 'continue'> {
  const extra = fault?.headers ?? {};
  switch (fault?.kind) {
    case 'status':
      return { reply: { status: fault.status ?? 503, reason: fault.reason, headers: extra, body: fault.body ?? '' } };
    case 'reset-before-response':
      req.socket.resetAndDestroy();
      return 'handled';
    case 'stall':
      timers.destroyLater(req.socket, fault.stallMs ?? DEFAULT_STALL_MS);
      return 'handled';
    case 'redirect': {
      const headers = { Location: fault.location ?? defaultRedirect(), ...extra };
      return { reply: { status: fault.status ?? 307, reason: fault.reason, headers, body: fault.body ?? '' } };
    }
    case 'retry-after': {
      const headers = { 'Retry-After': String(fault.retryAfterSeconds ?? 1), ...extra };
      return { reply: { status: fault.status ?? 429, reason: fault.reason, headers, body: fault.body ?? '' } };
    }
    case 'slow-answer':
      await timers.sleep(fault.stallMs ?? DEFAULT_STALL_MS);
      return req.socket.destroyed ? 'handled' : 'continue';
    default:
      return 'continue';
  }
}

/** 'status-after-store': the file is kept, but the client is told it failed. */
export function faultAfterHandler(fault: FaultPlan | undefined, stored: boolean, reply: Reply): Reply {
  if (fault?.kind !== 'status-after-store' || !stored) return reply;
  return { status: fault.status ?? 500, reason: fault.reason, headers: fault.headers ?? {}, body: fault.body ?? '' };
}
