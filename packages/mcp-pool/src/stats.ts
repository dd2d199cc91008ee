/** Shapes of `PooledMCPServerManager.stats()`. */

import type { McpPoolErrorCode } from "./errors.js";
import type { Sharing } from "./types.js";

export type CircuitState = "closed" | "open" | "half-open";

export interface ServerStats {
  server: string;
  sharing: Sharing;
  /** The bound on `clientsOpen` (`pool.maxConnections`), so a reader sees how far from it the pool is. */
  maxConnections: number;
  /** Calls the open-at-most clients can carry at once: `maxConnections × maxCallsPerConnection`. */
  callSlots: number;
  /** Clients connected or connecting (shared pool, or all dedicated clients). */
  clientsOpen: number;
  /** Open clients with no call in flight. */
  clientsIdle: number;
  /** Dedicated clients of `per-session` servers (0 for shared servers). */
  sessionClients: number;
  callsInFlight: number;
  /** Callers waiting for a slot. */
  waiting: number;
  clientsCreated: number;
  clientsDestroyed: number;
  callsOk: number;
  /** Failed calls by error code (`tool_error`, `tool_timeout`, ...). */
  callsFailed: Partial<Record<McpPoolErrorCode, number>>;
  circuit: CircuitState;
  /** Bumped on every catalog (re)load; 0 = never loaded. */
  catalogVersion: number;
}

export interface ManagerStats {
  closed: boolean;
  servers: ServerStats[];
}
