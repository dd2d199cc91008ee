/**
 * Callers waiting for a slot, in FIFO order, with a bound (`maxWaiting`:
 * PoolBusyError at once beyond it), a timeout (PoolTimeoutError) and the
 * caller's AbortSignal (CallCancelledError). The pool grants slots by
 * walking the queue in order.
 */

import { CallCancelledError, McpPoolError, PoolBusyError, PoolTimeoutError } from "./errors.js";

export interface Waiter<T> {
  readonly sessionId: string;
  readonly enqueuedAt: number;
  /** Hands the slot to the waiter; false if it already gave up. */
  grant(value: T): boolean;
  reject(error: Error): void;
}

interface Entry<T> extends Waiter<T> {
  settled: boolean;
}

export class WaitQueue<T> {
  #entries: Entry<T>[] = [];

  constructor(
    private readonly server: string,
    private readonly maxWaiting: number,
    private readonly timeoutMs: number,
  ) {}

  get length(): number {
    return this.#entries.length;
  }

  enqueue(sessionId: string, signal: AbortSignal | undefined): Promise<T> {
    if (this.#entries.length >= this.maxWaiting) {
      return Promise.reject(
        new PoolBusyError(`MCP server "${this.server}" is busy: ${this.maxWaiting} callers already waiting`, { server: this.server }),
      );
    }
    return new Promise<T>((resolve, reject) => {
      const cleanup = () => {
        entry.settled = true;
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        this.#remove(entry);
      };
      const entry: Entry<T> = {
        sessionId,
        enqueuedAt: Date.now(),
        settled: false,
        grant: (value) => {
          if (entry.settled) return false;
          cleanup();
          resolve(value);
          return true;
        },
        reject: (error) => {
          if (entry.settled) return;
          cleanup();
          reject(error);
        },
      };
      const timer = setTimeout(() => {
        entry.reject(
          new PoolTimeoutError(`Waited ${this.timeoutMs} ms for a connection to MCP server "${this.server}"`, { server: this.server }),
        );
      }, this.timeoutMs);
      const onAbort = () => entry.reject(cancellation(signal, this.server, "Cancelled while waiting for a connection"));
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#entries.push(entry);
    });
  }

  /** Waiters in arrival order (a snapshot: granting removes them). */
  snapshot(): readonly Waiter<T>[] {
    return [...this.#entries];
  }

  rejectAll(error: Error): void {
    for (const entry of [...this.#entries]) entry.reject(error);
  }

  #remove(entry: Entry<T>): void {
    const index = this.#entries.indexOf(entry);
    if (index !== -1) this.#entries.splice(index, 1);
  }
}

/** The error for an aborted caller: the abort's own reason when it is ours (e.g. ManagerClosedError). */
export function cancellation(signal: AbortSignal | undefined, server: string, message: string): McpPoolError {
  const reason: unknown = signal?.reason;
  if (reason instanceof McpPoolError) return reason;
  return new CallCancelledError(message, { server, cause: reason });
}
