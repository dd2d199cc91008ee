/**
 * Callers waiting for a slot, in FIFO order, with a bound (`maxWaiting`:
 * PoolBusyError at once beyond it), a timeout (PoolTimeoutError) and the
 * caller's AbortSignal (CallCancelledError). The pool grants slots by
 * walking the queue in order, past the waiters whose fairness key is at its
 * per-session cap; the queue counts the others, so a walk stops once none is
 * left instead of passing every capped waiter behind them (many anonymous
 * users behind one address are one key: thousands of waiters, walked at every
 * call's end).
 */

import { CallCancelledError, McpPoolError, PoolBusyError, PoolTimeoutError } from "./errors.js";

export interface Waiter<T> {
  readonly sessionId: string;
  /** Whose share of the per-session call cap the waiter takes; undefined: no cap. */
  readonly fairnessKey: string | undefined;
  readonly enqueuedAt: number;
  /** Epoch ms when it gives up (`acquireTimeoutMs` after it came); its signal may end it sooner. */
  readonly deadline: number;
  /** While the circuit is open, it may wait for the next connect attempt (a readiness probe may not). */
  readonly waitsForProbe: boolean;
  /** Hands the slot to the waiter; false if it already gave up. */
  grant(value: T): boolean;
  reject(error: Error): void;
}

/** How one waiter waits, when not as every caller does. */
export interface WaitBounds {
  timeoutMs?: number;
  waitsForProbe?: boolean;
}

/** One waiting caller: a class, so that a waiter costs one object and no closures of its own. */
class Entry<T> implements Waiter<T> {
  settled = false;

  constructor(
    private readonly queue: WaitQueue<T>,
    readonly sessionId: string,
    readonly fairnessKey: string | undefined,
    readonly enqueuedAt: number,
    readonly timeoutMs: number,
    readonly waitsForProbe: boolean,
    readonly signal: AbortSignal | undefined,
    private readonly resolve: (value: T) => void,
    private readonly fail: (error: Error) => void,
  ) {}

  get deadline(): number {
    return this.enqueuedAt + this.timeoutMs;
  }

  grant(value: T): boolean {
    if (this.settled) return false;
    this.queue.settle(this);
    this.resolve(value);
    return true;
  }

  reject(error: Error): void {
    if (this.settled) return;
    this.queue.settle(this);
    this.fail(error);
  }

  /** Its signal's abort listener (`handleEvent`: no bound function per waiter). */
  handleEvent(): void {
    this.reject(cancellation(this.signal, this.queue.server, "Cancelled while waiting for a connection"));
  }
}

export class WaitQueue<T> {
  /**
   * Arrival order. Settled entries are skipped and dropped lazily (from the
   * head, or in a sweep when they pile up), so granting, timing out and
   * walking the queue cost no copying or splicing per call.
   */
  #entries: Entry<T>[] = [];
  #head = 0;
  #live = 0;
  /**
   * One timer for the whole queue, due at the earliest deadline it was armed
   * for (a timer per waiter cost an allocation and a timer-list insert and
   * removal per queued call). When it fires, the waiters past their deadline
   * fail and it is armed again for the earliest left.
   */
  #timer: NodeJS.Timeout | undefined;
  #timerDueAt = Number.POSITIVE_INFINITY;
  /** Live waiters per fairness key. */
  readonly #perKey = new Map<string, number>();
  /** Fairness keys at their cap (the pool says which); their waiters are skipped. */
  readonly #capped = new Set<string>();
  /** Live waiters whose key is not capped (or who have none). */
  #servable = 0;
  /** Since when (epoch ms) someone has been waiting without a break; undefined while nobody waits. */
  #busySince: number | undefined;

  constructor(
    readonly server: string,
    private readonly maxWaiting: number,
    private readonly timeoutMs: number,
  ) {}

  get length(): number {
    return this.#live;
  }

  /** `bounds.timeoutMs` (default the queue's, `acquireTimeoutMs`): how long this waiter waits at most. */
  enqueue(sessionId: string, signal: AbortSignal | undefined, fairnessKey?: string, bounds: WaitBounds = {}): Promise<T> {
    const { timeoutMs = this.timeoutMs, waitsForProbe = true } = bounds;
    if (this.#live >= this.maxWaiting) {
      return Promise.reject(
        new PoolBusyError(`MCP server "${this.server}" is busy: ${this.maxWaiting} callers already waiting`, { server: this.server }),
      );
    }
    return new Promise<T>((resolve, reject) => {
      const entry = new Entry(this, sessionId, fairnessKey, Date.now(), timeoutMs, waitsForProbe, signal, resolve, reject);
      signal?.addEventListener("abort", entry, { once: true });
      this.#entries.push(entry);
      if (this.#live === 0) this.#busySince = entry.enqueuedAt;
      this.#live += 1;
      this.#count(fairnessKey, 1);
      if (entry.deadline < this.#timerDueAt) this.#armTimer(entry.deadline);
    });
  }

  /** Since when (epoch ms) the queue has not been empty, if anyone waits: how long a backlog has lasted. */
  get busySince(): number | undefined {
    return this.#busySince;
  }

  /** When the longest waiter still waiting came (epoch ms), if anyone waits. */
  get oldestEnqueuedAt(): number | undefined {
    return this.#live === 0 ? undefined : this.#entries[this.#head]?.enqueuedAt;
  }

  /** The waiters still waiting, in arrival order; granting or rejecting while iterating is safe. */
  *waiting(): Generator<Waiter<T>> {
    // This array, not #entries: settling may compact into a new array mid-walk, where `i` means another entry.
    const entries = this.#entries;
    for (let i = this.#head; i < entries.length; i += 1) {
      const entry = entries[i]!;
      if (!entry.settled) yield entry;
    }
  }

  /** Whether `fairnessKey` is at its cap: its waiters are skipped by `servable()` until it is not. */
  setCapped(fairnessKey: string, capped: boolean): void {
    if (capped === this.#capped.has(fairnessKey)) return;
    const waiting = this.#perKey.get(fairnessKey) ?? 0;
    if (capped) {
      this.#capped.add(fairnessKey);
      this.#servable -= waiting;
    } else {
      this.#capped.delete(fairnessKey);
      this.#servable += waiting;
    }
  }

  /**
   * The waiters still waiting whose key is not capped, in arrival order; ends
   * as soon as none is left (granting, rejecting or capping while iterating is safe).
   */
  *servable(): Generator<Waiter<T>> {
    const entries = this.#entries;
    for (let i = this.#head; i < entries.length && this.#servable > 0; i += 1) {
      const entry = entries[i]!;
      if (!entry.settled && (entry.fairnessKey === undefined || !this.#capped.has(entry.fairnessKey))) yield entry;
    }
  }

  rejectAll(error: Error): void {
    for (const waiter of [...this.waiting()]) waiter.reject(error);
  }

  /** The entry leaves the queue (granted, failed or given up); called once per entry, by the entry. */
  settle(entry: Entry<T>): void {
    entry.settled = true;
    entry.signal?.removeEventListener("abort", entry);
    this.#live -= 1;
    if (this.#live === 0) this.#busySince = undefined;
    this.#count(entry.fairnessKey, -1);
    this.#compact();
  }

  #armTimer(dueAt: number): void {
    clearTimeout(this.#timer);
    this.#timerDueAt = dueAt;
    this.#timer = setTimeout(() => this.#onTimer(), Math.max(1, dueAt - Date.now()));
  }

  #onTimer(): void {
    this.#timer = undefined;
    this.#timerDueAt = Number.POSITIVE_INFINITY;
    const now = Date.now();
    let next = Number.POSITIVE_INFINITY;
    for (const entry of [...this.waiting()] as Entry<T>[]) {
      if (entry.deadline <= now) {
        entry.reject(
          new PoolTimeoutError(`Waited ${entry.timeoutMs} ms for a connection to MCP server "${this.server}"`, { server: this.server }),
        );
      } else if (entry.deadline < next) {
        next = entry.deadline;
      }
    }
    if (next !== Number.POSITIVE_INFINITY) this.#armTimer(next);
  }

  #count(fairnessKey: string | undefined, change: 1 | -1): void {
    if (fairnessKey === undefined) {
      this.#servable += change;
      return;
    }
    const left = (this.#perKey.get(fairnessKey) ?? 0) + change;
    if (left > 0) this.#perKey.set(fairnessKey, left);
    else this.#perKey.delete(fairnessKey);
    if (!this.#capped.has(fairnessKey)) this.#servable += change;
  }

  #compact(): void {
    while (this.#head < this.#entries.length && this.#entries[this.#head]!.settled) this.#head += 1;
    const stored = this.#entries.length - this.#head;
    if (this.#head === this.#entries.length) {
      this.#entries = [];
      this.#head = 0;
      // Nobody waits: no timer holds the process open.
      clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#timerDueAt = Number.POSITIVE_INFINITY;
    } else if (stored > 64 && stored > 2 * this.#live) {
      this.#entries = this.#entries.slice(this.#head).filter((entry) => !entry.settled);
      this.#head = 0;
    }
  }
}

/** The error for an aborted caller: the abort's own reason when it is ours (e.g. ManagerClosedError). */
export function cancellation(signal: { readonly reason?: unknown } | undefined, server: string | undefined, message: string): McpPoolError {
  const reason: unknown = signal?.reason;
  if (reason instanceof McpPoolError) return reason;
  return new CallCancelledError(message, { server, cause: reason });
}
