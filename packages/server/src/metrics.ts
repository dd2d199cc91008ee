/**
 * Prometheus metrics of one chat server: its own registry (several servers may
 * share a process, as in tests), fed by the socket hub, the sessions and the
 * manager's events, with pool gauges read from `manager.stats()` at scrape time.
 */

import type { PooledMCPServerManager } from "mcp-pool";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

export interface SocketCounts {
  sockets: number;
  sessions: number;
  users: number;
}

export class ServerMetrics {
  readonly registry = new Registry();
  readonly #turns: Counter<"outcome">;
  readonly #turnSeconds: Histogram<"outcome">;
  readonly #limited: Counter<"limit">;
  readonly #detach: () => void;

  constructor(manager: PooledMCPServerManager, counts: () => SocketCounts) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });

    gauge(this.registry, "mcp_pool_server_open_sockets", "Open WebSocket connections", () => counts().sockets);
    gauge(this.registry, "mcp_pool_server_sessions", "Sessions that have asked at least once (agent created)", () => counts().sessions);
    gauge(this.registry, "mcp_pool_server_users_online", "Distinct users with an open socket", () => counts().users);

    this.#turns = new Counter({
      name: "mcp_pool_server_turns_total",
      help: "Turns ended, by outcome (ok or error code)",
      labelNames: ["outcome"],
      registers,
    });
    this.#turnSeconds = new Histogram({
      name: "mcp_pool_server_turn_duration_seconds",
      help: "Turn duration",
      labelNames: ["outcome"],
      buckets: SECONDS,
      registers,
    });

    this.#limited = new Counter({
      name: "mcp_pool_server_limited_total",
      help: "Connections refused or closed by a limit, by the limit's setting",
      labelNames: ["limit"],
      registers,
    });

    const toolCalls = new Counter({
      name: "mcp_pool_tool_calls_total",
      help: "Tool calls ended, by MCP server and outcome",
      labelNames: ["server", "outcome"],
      registers,
    });
    const toolSeconds = new Histogram({
      name: "mcp_pool_tool_call_duration_seconds",
      help: "Tool call duration, by MCP server and outcome",
      labelNames: ["server", "outcome"],
      buckets: SECONDS,
      registers,
    });
    const acquireSeconds = new Histogram({
      name: "mcp_pool_acquire_wait_seconds",
      help: "Time a call waited for a pool slot",
      labelNames: ["server"],
      buckets: SECONDS,
      registers,
    });
    const clientsCreated = new Counter({
      name: "mcp_pool_clients_created_total",
      help: "MCP clients created",
      labelNames: ["server"],
      registers,
    });
    const clientsDestroyed = new Counter({
      name: "mcp_pool_clients_destroyed_total",
      help: "MCP clients destroyed",
      labelNames: ["server"],
      registers,
    });

    const perServer = (name: string, help: string, read: (s: ReturnType<PooledMCPServerManager["stats"]>["servers"][number]) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ["server"],
        registers,
        collect() {
          this.reset();
          for (const server of manager.stats().servers) this.set({ server: server.server }, read(server));
        },
      });
    perServer("mcp_pool_clients_open", "MCP clients open or connecting", (s) => s.clientsOpen);
    perServer("mcp_pool_clients_idle", "MCP clients open with no call in flight", (s) => s.clientsIdle);
    perServer("mcp_pool_calls_in_flight", "Tool calls in flight", (s) => s.callsInFlight);
    perServer("mcp_pool_waiting", "Calls waiting for a pool slot", (s) => s.waiting);
    perServer("mcp_pool_circuit_open", "1 when the server's circuit is open or half-open", (s) => (s.circuit === "closed" ? 0 : 1));

    const onCallEnd = (e: { server: string; outcome: string; durationMs: number }) => {
      toolCalls.inc({ server: e.server, outcome: e.outcome });
      toolSeconds.observe({ server: e.server, outcome: e.outcome }, e.durationMs / 1000);
    };
    const onCallStart = (e: { server: string; waitMs: number }) => acquireSeconds.observe({ server: e.server }, e.waitMs / 1000);
    const onCreated = (e: { server: string }) => clientsCreated.inc({ server: e.server });
    const onDestroyed = (e: { server: string }) => clientsDestroyed.inc({ server: e.server });
    manager.on("callEnd", onCallEnd).on("callStart", onCallStart).on("clientCreated", onCreated).on("clientDestroyed", onDestroyed);
    this.#detach = () => {
      manager.off("callEnd", onCallEnd).off("callStart", onCallStart).off("clientCreated", onCreated).off("clientDestroyed", onDestroyed);
    };
  }

  turnEnded(outcome: string, seconds: number): void {
    this.#turns.inc({ outcome });
    this.#turnSeconds.observe({ outcome }, seconds);
  }

  limited(limit: string): void {
    this.#limited.inc({ limit });
  }

  /** Turns ended so far, by outcome (for /api/stats). */
  async turnCounts(): Promise<Record<string, number>> {
    const metric = await this.#turns.get();
    return Object.fromEntries(metric.values.map((v) => [String(v.labels.outcome), v.value]));
  }

  close(): void {
    this.#detach();
    this.registry.clear();
  }
}

function gauge(registry: Registry, name: string, help: string, read: () => number): void {
  new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(read());
    },
  });
}
