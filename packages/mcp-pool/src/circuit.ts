/**
 * A per-server circuit breaker around connecting. generic-pool retries a
 * failing `create` in a tight loop, so every connect attempt goes through
 * here first: after `failureThreshold` consecutive failures the circuit opens
 * until the backoff elapses; then one probe may try, and its connect closes
 * the circuit again.
 *
 * Two kinds of failure count, each up to `failureThreshold` in a row: a
 * connect that failed (cleared by a connect that succeeds), and a connection
 * that ended before it finished a single call (a server that exits right after
 * its handshake: a crash loop, whose connects all succeed; cleared once a
 * connection has finished a call). A connection that ended after answering
 * calls is a crash of a working server, not a failure here: the pool replaces
 * it. A probe that connects but whose connection ends before answering is a
 * failed probe.
 */

import { ServerUnavailableError } from "./errors.js";
import type { CircuitState } from "./stats.js";
import type { CircuitOptions } from "./types.js";

export class CircuitBreaker {
  #state: CircuitState = "closed";
  /** Failed connects in a row. */
  #failures = 0;
  /** Connections in a row that ended before finishing a call. */
  #earlyEnds = 0;
  #backoffMs: number;
  #retryAt = 0;
  #lastError: Error | undefined;
  /** A probe connected and its connection has not finished a call yet. */
  #probeUnproven = false;

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
   * A caller that asks isOpen() about the same refusal passes the same `now`:
   * between two readings the clock may pass `retryAt`, and a refusal would
   * then look due, so nobody would schedule the probe.
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
  isOpen(now?: number): boolean {
    // The clock is read only when open: every call asks, and the circuit is closed almost always.
    return this.#state === "open" && (now ?? Date.now()) < this.#retryAt;
  }

  /** The attempt granted ended without a verdict (cut short): if it was the probe, the next caller probes. */
  abandonAttempt(now = Date.now()): void {
    if (this.#state !== "half-open") return;
    this.#state = "open";
    this.#retryAt = now;
  }

  /** A connect succeeded: a probe's closes the circuit, until its connection proves itself or ends early. */
  recordConnected(): void {
    this.#failures = 0;
    if (this.#state !== "half-open") return;
    this.#state = "closed";
    this.#probeUnproven = true;
  }

  /** A connection finished a call: the server works. */
  recordProven(): void {
    this.#state = "closed";
    this.#failures = 0;
    this.#earlyEnds = 0;
    this.#backoffMs = this.options.baseBackoffMs;
    this.#lastError = undefined;
    this.#probeUnproven = false;
  }

  /** A connect failed. */
  recordFailure(error: Error, now = Date.now()): void {
    this.#failures += 1;
    this.#count(error, this.#failures, now);
  }

  /** A connection ended before it finished a call. */
  recordEarlyEnd(error: Error, now = Date.now()): void {
    this.#earlyEnds += 1;
    this.#count(error, this.#earlyEnds, now);
  }

  #count(error: Error, inARow: number, now: number): void {
    this.#lastError = error;
    if (this.#state === "half-open" || this.#probeUnproven) {
      this.#probeUnproven = false;
      this.#backoffMs = Math.min(this.#backoffMs * 2, this.options.maxBackoffMs);
      this.#open(now);
    } else if (inARow >= this.options.failureThreshold) {
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
