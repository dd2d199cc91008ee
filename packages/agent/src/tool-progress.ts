/**
 * What a running tool reports of its progress (MCP `notifications/progress`),
 * passed on as `toolProgress` events at a rate a person can read and a
 * socket can carry: the newest update of each call, at most one batch every
 * PROGRESS_INTERVAL_MS (the first at once). A server may send thousands of
 * updates a second; each event becomes a frame to the user's browser.
 */

import type { ProgressUpdate } from "mcp-pool";
import type { ToolProgressEvent } from "./events.js";

/** The least time between two batches of progress events of one turn's step. */
export const PROGRESS_INTERVAL_MS = 250;
/** A server's progress message is a status line, not an output: longer ones are cut. */
export const MAX_PROGRESS_MESSAGE_CHARS = 200;

export class ToolProgressRelay {
  /** The newest update of each call not yet passed on. */
  readonly #latest = new Map<string, ToolProgressEvent>();
  /** Calls whose result has been told: a late update would show after it. */
  readonly #finished = new Set<string>();
  #lastBatchAt = Number.NEGATIVE_INFINITY;
  #timer: NodeJS.Timeout | undefined;
  #batchDue = false;
  /** Resolves the promise until() waits on, when a batch falls due. */
  #wake: (() => void) | undefined;
  #closed = false;

  constructor(private readonly chatId: string) {}

  /** The `onProgress` for one tool call. */
  listener(callId: string, name: string): (update: ProgressUpdate) => void {
    return (update) => {
      if (this.#closed || this.#finished.has(callId) || !Number.isFinite(update.progress)) return;
      const event: ToolProgressEvent = { type: "toolProgress", chatId: this.chatId, callId, name, progress: update.progress };
      if (typeof update.total === "number" && Number.isFinite(update.total)) event.total = update.total;
      if (typeof update.message === "string" && update.message !== "") {
        event.message = update.message.slice(0, MAX_PROGRESS_MESSAGE_CHARS);
      }
      this.#latest.set(callId, event);
      this.#schedule();
    };
  }

  /**
   * Settles with `work`'s value, yielding the progress events that fall due meanwhile. `work` must not
   * reject (turn a failure into a value first).
   */
  async *until<T>(work: Promise<T>): AsyncGenerator<ToolProgressEvent, T> {
    const done = work.then((value) => ({ value }));
    for (;;) {
      const next = await Promise.race([done, this.#batch()]);
      if (next !== undefined) return next.value;
      yield* this.#take();
    }
  }

  /** The call's result is being told: its pending update is dropped, and any later one. */
  finish(callId: string): void {
    this.#finished.add(callId);
    this.#latest.delete(callId);
  }

  /** The step is over (or abandoned): no timer is left behind. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#latest.clear();
  }

  #schedule(): void {
    if (this.#batchDue || this.#timer !== undefined) return;
    const wait = this.#lastBatchAt + PROGRESS_INTERVAL_MS - Date.now();
    if (wait <= 0) {
      this.#markDue();
      return;
    }
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#markDue();
    }, wait);
    this.#timer.unref();
  }

  #markDue(): void {
    this.#batchDue = true;
    this.#wake?.();
    this.#wake = undefined;
  }

  /** Resolves (with undefined) once a batch is due. */
  #batch(): Promise<undefined> {
    if (this.#batchDue) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.#wake = () => resolve(undefined);
    });
  }

  /** The updates due now, one per call, oldest call first. */
  #take(): ToolProgressEvent[] {
    this.#batchDue = false;
    this.#lastBatchAt = Date.now();
    const events = [...this.#latest.values()];
    this.#latest.clear();
    return events;
  }
}
