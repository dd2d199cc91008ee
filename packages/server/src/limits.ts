/** Per-user and per-socket limits: question rate and idle sockets. */

import { StoreUnavailableError } from "@mcp-pool/agent";
import type { Redis } from "ioredis";
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";

export interface QuestionRateLimiterOptions {
  questions: number;
  windowSeconds: number;
  /** Count in Redis, shared by every instance (else in this process's memory). */
  redis?: { client: Redis; prefix: string };
}

/** Questions per user per window, counted in this process's memory or, shared by instances, in Redis. */
export class QuestionRateLimiter {
  readonly #limiter: RateLimiterAbstract;

  constructor(options: QuestionRateLimiterOptions) {
    const common = { points: options.questions, duration: options.windowSeconds };
    this.#limiter = options.redis
      ? new RateLimiterRedis({
          ...common,
          storeClient: options.redis.client,
          keyPrefix: `${options.redis.prefix}questions`,
          // Fail at once while Redis is down (the question gets store_unavailable) instead of waiting.
          rejectIfRedisNotReady: true,
        })
      : new RateLimiterMemory({ ...common, keyPrefix: "questions" });
  }

  /**
   * Takes one question from the user's budget; resolves to the ms to wait when none is left, else 0.
   * Rejects with StoreUnavailableError when the shared count cannot be reached.
   */
  async take(userId: string): Promise<number> {
    try {
      await this.#limiter.consume(userId);
      return 0;
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) return Math.max(1, rejection.msBeforeNext);
      const message = rejection instanceof Error ? rejection.message : String(rejection);
      throw new StoreUnavailableError(`The rate limiter's store (Redis) is unavailable: ${message}`, { cause: rejection });
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
