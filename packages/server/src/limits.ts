/** Per-user and per-socket limits: question rate and idle sockets. */

import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";

/** Questions per user per window, counted in this process's memory. */
export class QuestionRateLimiter {
  readonly #limiter: RateLimiterMemory;

  constructor(questions: number, windowSeconds: number) {
    this.#limiter = new RateLimiterMemory({ points: questions, duration: windowSeconds, keyPrefix: "questions" });
  }

  /** Takes one question from the user's budget; resolves to the ms to wait when none is left, else 0. */
  async take(userId: string): Promise<number> {
    try {
      await this.#limiter.consume(userId);
      return 0;
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) return Math.max(1, rejection.msBeforeNext);
      throw rejection;
    }
  }
}

/**
 * Fires `onIdle` after `timeoutMs` without `touch()`. When `isBusy()` says a
 * turn is still running the socket is not idle: the timer starts over.
 */
export class IdleTimer {
  readonly #timer: NodeJS.Timeout;

  constructor(timeoutMs: number, isBusy: () => boolean, onIdle: () => void) {
    this.#timer = setTimeout(() => {
      if (isBusy()) this.#timer.refresh();
      else onIdle();
    }, timeoutMs);
    // An idle socket must not keep the process alive on its own.
    this.#timer.unref();
  }

  touch(): void {
    this.#timer.refresh();
  }

  stop(): void {
    clearTimeout(this.#timer);
  }
}
