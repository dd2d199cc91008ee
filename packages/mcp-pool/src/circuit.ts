/**
 * A per-server circuit breaker around connecting. generic-pool retries a
 * failing `create` in a tight loop, so every connect attempt goes through
 * here first: after `failureThreshold` consecutive failures the circuit opens
 * and callers fail fast until the backoff elapses; then one probe may try,
 * and its success closes the circuit again.
 */

import { ServerUnavailableError } from "./errors.js";
import type { CircuitState } from "./stats.js";
import type { CircuitOptions } from "./types.js";

export class CircuitBreaker {
  #state: CircuitState = "closed";
  #failures = 0;
  #backoffMs: number;
  #retryAt = 0;
  #lastError: Error | undefined;

  constructor(
    private readonly server: string,
    private readonly options: CircuitOptions,
  ) {
    this.#backoffMs = options.baseBackoffMs;
  }

  get state(): CircuitState {
    return this.#state;
  }

  /** While open: epoch ms from which a probe may connect. */
  get retryAt(): number {
    return this.#retryAt;
  }

  /**
   * May a new connection be attempted now? In the open state this flips to
   * half-open once the backoff has elapsed and grants exactly one probe.
   */
  tryAcquireAttempt(now = Date.now()): boolean {
    if (this.#state === "closed") return true;
    if (this.#state === "open" && now >= this.#retryAt) {
      this.#state = "half-open";
      return true;
    }
    return false;
  }

  /** True while callers should fail fast rather than wait. */
  isOpen(now = Date.now()): boolean {
    return this.#state === "open" && now < this.#retryAt;
  }

  /** The attempt granted ended without a verdict (cut short): if it was the probe, the next caller probes. */
  abandonAttempt(now = Date.now()): void {
    if (this.#state !== "half-open") return;
    this.#state = "open";
    this.#retryAt = now;
  }

  recordSuccess(): void {
    this.#state = "closed";
    this.#failures = 0;
    this.#backoffMs = this.options.baseBackoffMs;
    this.#lastError = undefined;
  }

  recordFailure(error: Error, now = Date.now()): void {
    this.#lastError = error;
    this.#failures += 1;
    if (this.#state === "half-open") {
      this.#backoffMs = Math.min(this.#backoffMs * 2, this.options.maxBackoffMs);
      this.#open(now);
    } else if (this.#failures >= this.options.failureThreshold) {
      this.#open(now);
    }
  }

  /** The error to give callers while the circuit is open. */
  unavailableError(): ServerUnavailableError {
    const cause = this.#lastError;
    const reason = cause ? `: ${cause.message}` : "";
    return new ServerUnavailableError(
      `MCP server "${this.server}" is unavailable (circuit ${this.#state}, next attempt at ${new Date(this.#retryAt).toISOString()})${reason}`,
      { server: this.server, cause, retryAt: this.#retryAt },
    );
  }

  #open(now: number): void {
    this.#state = "open";
    this.#retryAt = now + this.#backoffMs;
  }
}
