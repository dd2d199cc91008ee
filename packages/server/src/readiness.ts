/**
 * /readyz: can the MCP servers be reached? Lists the tools (which connects a
 * server whose catalog is not loaded yet) and checks no circuit is open. The
 * answer is reused for a short while so probes cannot hammer the servers.
 */

import type { PooledMCPServerManager } from "mcp-pool";

export interface Readiness {
  ready: boolean;
  servers: { server: string; ready: boolean; reason?: string }[];
}

export class ReadinessCheck {
  readonly #manager: PooledMCPServerManager;
  readonly #cacheMs: number;
  #last: { at: number; result: Promise<Readiness> } | undefined;

  constructor(manager: PooledMCPServerManager, cacheMs: number) {
    this.#manager = manager;
    this.#cacheMs = cacheMs;
  }

  check(): Promise<Readiness> {
    const now = Date.now();
    if (!this.#last || now - this.#last.at > this.#cacheMs) {
      this.#last = { at: now, result: this.#probe() };
    }
    return this.#last.result;
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
