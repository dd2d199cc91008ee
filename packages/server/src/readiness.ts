/**
 * /readyz: can a client of each MCP server be had now? Each server is probed
 * (`manager.probe`: a live client answering ping, else a connect attempt,
 * bounded by `timeoutMs` and the server's connectTimeoutMs: a connect that
 * takes longer goes on, and a later probe finds its client), never through the tool listing, so no server's catalog
 * load holds the answer. The answer is reused for `cacheMs` so that probes
 * cannot hammer the servers; a reason is a short code, never a server's own
 * text (that goes to the debug log).
 */

import type { PooledMCPServerManager, ProbeFailure } from "mcp-pool";
import type { Logger } from "./logger.js";

export interface Readiness {
  ready: boolean;
  servers: { server: string; ready: boolean; reason?: ProbeFailure }[];
  /** The shared store (Redis), when the server uses one. */
  store?: { ready: boolean; reason?: string };
}

export interface ReadinessOptions {
  /** The longest one server is probed (default, and at most: its connectTimeoutMs). */
  timeoutMs?: number;
  /** Why the shared store cannot be used now (undefined: it can); absent when there is none. */
  storeReason?: (() => string | undefined) | undefined;
  /** Where a server's failed probe is told in full (at debug). */
  logger?: Logger;
}

export class ReadinessCheck {
  readonly #manager: PooledMCPServerManager;
  readonly #cacheMs: number;
  readonly #storeReason: (() => string | undefined) | undefined;
  readonly #logger: Logger | undefined;
  readonly #timeoutMs: number | undefined;
  #last: { at: number; result: Promise<Readiness> } | undefined;

  constructor(manager: PooledMCPServerManager, cacheMs: number, options: ReadinessOptions = {}) {
    this.#manager = manager;
    this.#cacheMs = cacheMs;
    this.#storeReason = options.storeReason;
    this.#logger = options.logger;
    this.#timeoutMs = options.timeoutMs;
  }

  async check(): Promise<Readiness> {
    const now = Date.now();
    if (!this.#last || now - this.#last.at > this.#cacheMs) {
      this.#last = { at: now, result: this.#probe() };
    }
    const result = await this.#last.result;
    if (!this.#storeReason) return result;
    // The store's state is read fresh: it is known without asking anyone.
    const reason = this.#storeReason();
    return reason === undefined ? { ...result, store: { ready: true } } : { ...result, ready: false, store: { ready: false, reason } };
  }

  async #probe(): Promise<Readiness> {
    // Each within timeoutMs, and its server's connectTimeoutMs.
    const servers = await Promise.all(
      this.#manager.config.servers.map(async ({ name, connectTimeoutMs }) => {
        const timeoutMs = Math.min(this.#timeoutMs ?? connectTimeoutMs, connectTimeoutMs);
        // Throws only once the manager is closing.
        const result = await this.#manager.probe(name, { timeoutMs }).catch(() => undefined);
        if (!result) return { server: name, ready: false, reason: "manager_closed" as const };
        if (result.ok) return { server: name, ready: true };
        this.#logger?.debug({ server: name, reason: result.reason, err: result.error }, "MCP server not ready");
        return { server: name, ready: false, reason: result.reason };
      }),
    );
    return { ready: servers.every((s) => s.ready), servers };
  }
}
