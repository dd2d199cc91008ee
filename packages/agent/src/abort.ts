/** Small AbortSignal helpers for a turn. */

import { TurnCancelledError } from "./turn-errors.js";

/**
 * Settles like `promise`, or rejects with TurnCancelledError as soon as the
 * signal fires, so a provider that ignores the signal cannot hold the turn.
 * One listener on the signal however many promises wait on it (a step's
 * parallel tool calls): a listener each would print MaxListenersExceededWarning
 * past 10.
 */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(new TurnCancelledError());
  }
  return Promise.race([promise, whenAborted(signal)]);
}

const abortedPromises = new WeakMap<AbortSignal, Promise<never>>();

/** Rejects with TurnCancelledError when the signal fires; one per signal, with one listener. */
function whenAborted(signal: AbortSignal): Promise<never> {
  let aborted = abortedPromises.get(signal);
  if (!aborted) {
    aborted = new Promise<never>((_, reject) => {
      signal.addEventListener("abort", () => reject(new TurnCancelledError()), { once: true });
    });
    aborted.catch(() => undefined);
    abortedPromises.set(signal, aborted);
  }
  return aborted;
}

/**
 * A turn's own controller, aborted by the caller's signal and also when the
 * turn is abandoned (the consumer stopped iterating), so nothing stays in flight.
 */
export class TurnAbort {
  readonly #controller = new AbortController();
  readonly #external: AbortSignal | undefined;
  // The caller's reason goes along: a TurnError reason (a lost lock) becomes the turn's error code.
  readonly #forward = () => this.#controller.abort(this.#external?.reason);
  #ranToEnd = false;

  constructor(external: AbortSignal | undefined) {
    this.#external = external;
    if (external?.aborted) this.#controller.abort(external.reason);
    else external?.addEventListener("abort", this.#forward, { once: true });
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  throwIfAborted(): void {
    if (this.signal.aborted) throw new TurnCancelledError();
  }

  /**
   * The turn ran to its end: every request and call it made has settled, so
   * dispose() need not abort. An abort is not free: it runs the listeners
   * each model request left on the signal and makes a DOMException per level.
   */
  ranToEnd(): void {
    this.#ranToEnd = true;
  }

  /** Ends the turn: unhooks from the caller's signal and, unless it ran to its end, stops whatever is still in flight. */
  dispose(): void {
    this.#external?.removeEventListener("abort", this.#forward);
    if (!this.#ranToEnd) this.#controller.abort();
  }
}
