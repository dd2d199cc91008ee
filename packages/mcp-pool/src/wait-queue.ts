/**
 * Callers waiting for a slot, in FIFO order, with a bound (`maxWaiting`:
 * PoolBusyError at once beyond it), a timeout (PoolTimeoutError) and the
 * caller's AbortSignal (CallCancelledError). The pool grants slots by
 * walking the queue in order.
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

interface Entry<T> extends Waiter<T> {
  settled: boolean;
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

  constructor(
    private readonly server: string,
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
      const settle = () => {
        entry.settled = true;
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        this.#live -= 1;
        this.#compact();
      };
      const enqueuedAt = Date.now();
      const entry: Entry<T> = {
        sessionId,
        fairnessKey,
        enqueuedAt,
        deadline: enqueuedAt + timeoutMs,
        waitsForProbe,
        settled: false,
        grant: (value) => {
          if (entry.settled) return false;
          settle();
          resolve(value);
          return true;
        },
        reject: (error) => {
          if (entry.settled) return;
          settle();
          reject(error);
        },
      };
      const timer = setTimeout(() => {
        entry.reject(
          new PoolTimeoutError(`Waited ${timeoutMs} ms for a connection to MCP server "${this.server}"`, { server: this.server }),
        );
      }, timeoutMs);
      const onAbort = () => entry.reject(cancellation(signal, this.server, "Cancelled while waiting for a connection"));
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#entries.push(entry);
      this.#live += 1;
    });
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

  rejectAll(error: Error): void {
    for (const waiter of [...this.waiting()]) waiter.reject(error);
  }

  #compact(): void {
    while (this.#head < this.#entries.length && this.#entries[this.#head]!.settled) this.#head += 1;
    const stored = this.#entries.length - this.#head;
    if (this.#head === this.#entries.length) {
      this.#entries = [];
      this.#head = 0;
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
