/**
 * Every connection a limit refuses or closes is counted (metric `mcp_pool_server_limited_total{limit}`)
 * and logged at `warn` with the limit's name and the remote address. Refusals cost a client nothing, so
 * an address refused again and again by one limit gets one line per window, carrying how many refusals
 * it stands for: a flood of refused connections cannot become a flood of log lines. Closes (timeouts,
 * stalls) take the client the limit's own time each, and are all logged.
 */

import type { Logger } from "pino";

/** The settings whose limits refuse or close connections, by the environment variable's name. */
export type LimitName =
  | "MAX_CONNECTIONS"
  | "MAX_CONNECTIONS_PER_IP"
  | "MAX_SOCKETS_PER_USER"
  | "HEADERS_TIMEOUT_MS"
  | "REQUEST_TIMEOUT_MS"
  | "SEND_STALL_MS"
  | "ALLOWED_ORIGINS"
  | "ALLOWED_HOSTS";

const WINDOW_MS = 10_000;
/** Addresses remembered at most; beyond, the oldest windows are forgotten (they only cost a log line). */
const MAX_TRACKED = 10_000;

export class RefusalLog {
  readonly #logger: Logger;
  readonly #count: (limit: LimitName) => void;
  readonly #windows = new Map<string, { startedAt: number; unlogged: number }>();

  constructor(logger: Logger, count: (limit: LimitName) => void) {
    this.#logger = logger;
    this.#count = count;
  }

  /** A connection closed by a limit that took its time (a timeout, a stall). */
  closed(limit: LimitName, remoteAddress: string, message: string, details: Record<string, unknown> = {}): void {
    this.#count(limit);
    this.#logger.warn({ limit, remote_address: remoteAddress, ...details }, message);
  }

  /** A connection refused at once. */
  refused(limit: LimitName, remoteAddress: string, message: string, details: Record<string, unknown> = {}): void {
    this.#count(limit);
    const key = `${limit} ${remoteAddress}`;
    const now = Date.now();
    const window = this.#windows.get(key);
    if (window && now - window.startedAt < WINDOW_MS) {
      window.unlogged += 1;
      return;
    }
    const unlogged = window?.unlogged ?? 0;
    this.#windows.delete(key);
    this.#windows.set(key, { startedAt: now, unlogged: 0 });
    if (this.#windows.size > MAX_TRACKED) this.#windows.delete(this.#windows.keys().next().value!);
    this.#logger.warn(
      { limit, remote_address: remoteAddress, ...details, ...(unlogged > 0 && { unlogged_since_last: unlogged }) },
      message,
    );
  }
}
