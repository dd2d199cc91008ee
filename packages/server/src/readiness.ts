/**
 * /readyz: can the MCP servers be reached? Lists the tools (which connects a
 * server whose catalog is not loaded yet) and checks no circuit is open. The
 * answer is reused for a short while so probes cannot hammer the servers.
 */

import type { PooledMCPServerManager } from "mcp-pool";

export interface Readiness {
  ready: boolean;
  servers: { server: string; ready: boolean; reason?: string }[];
  /** The shared store (Redis), when the server uses one. */
  store?: { ready: boolean; reason?: string };
}

export class ReadinessCheck {
  readonly #manager: PooledMCPServerManager;
  readonly #cacheMs: number;
  readonly #storeReason: (() => string | undefined) | undefined;
  #last: { at: number; result: Promise<Readiness> } | undefined;

  /** `storeReason`: why the shared store cannot be used now (undefined: it can); absent when there is none. */
  constructor(manager: PooledMCPServerManager, cacheMs: number, storeReason?: () => string | undefined) {
    this.#manager = manager;
    this.#cacheMs = cacheMs;
    this.#storeReason = storeReason;
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
    return reason === undefined
      ? { ...result, store: { ready: true } }
      : { ...result, ready: false, store: { ready: false, reason } };
  }

  async #probe(): Promise<Readiness> {
    const unavailable = new Map<string, string>();
    try {
      const listing = await this.#manager.listTools();
      for (const { server, error } of listing.unavailable) unavailable.set(server, error.message);
    } catch (error) {
      return { ready: false, servers: [{ server: "*", ready: false, reason: (error as Error).message }] };
    }
    const servers = this.#manager.stats().servers.map(({ server, circuit }) => {
      const reason = unavailable.get(server) ?? (circuit === "closed" ? undefined : `circuit ${circuit}`);
      return reason === undefined ? { server, ready: true } : { server, ready: false, reason };
    });
    return { ready: servers.every((s) => s.ready), servers };
  }
}
