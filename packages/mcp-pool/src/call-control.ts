/**
 * How one call (or withClient borrow) is ended early: by the caller's signal,
 * by close(), or by its total timeout. Its AbortSignal is made only when
 * something asks for it: making one, and the listener the SDK adds to it,
 * cost microseconds per call, which a call with no caller signal and no
 * progress need not pay. Work that was not given the signal is ended through
 * `unlessEnded` instead.
 */

export class CallControl {
  /** Made with the signal (an AbortController makes its signal at once). */
  #controller: AbortController | undefined;
  #ended = false;
  #reason: unknown;
  #onEnd: ((reason: unknown) => void) | undefined;

  /** The call's signal (made now if it was not yet); aborted with the reason given to abort(). */
  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      // Ended before anyone asked for the signal: it starts aborted.
      if (this.#ended) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** Why the call was ended (undefined while it was not). */
  get reason(): unknown {
    return this.#reason;
  }

  abort(reason?: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#reason = reason;
    // Work given the signal hears it (the SDK sends notifications/cancelled); the rest through unlessEnded.
    this.#controller?.abort(reason);
    this.#onEnd?.(reason);
  }

  /** `work`, or a rejection with the reason as soon as the call is ended (one call at a time). */
  unlessEnded<T>(work: Promise<T>): Promise<T> {
    if (this.#ended) {
      work.catch(() => undefined);
      return Promise.reject(this.#reason);
    }
    return new Promise<T>((resolve, reject) => {
      this.#onEnd = reject;
      work.then(
        (value) => {
          this.#onEnd = undefined;
          resolve(value);
        },
        (error: unknown) => {
          this.#onEnd = undefined;
          reject(error);
        },
      );
    });
  }
}
