/**
 * manager.probe(): can a client of a server be had now (what a readiness check asks)? A live client
 * answering ping, else a connect attempt, bounded in time; the answer says why not in one short word.
 */

import { CallCancelledError, ManagerClosedError, McpPoolError, PoolBusyError, PoolTimeoutError, ServerUnavailableError } from "./errors.js";
import type { ServerPool } from "./server-pool.js";

export interface ProbeOptions {
  /** Stops the probe (reason `cancelled`). */
  signal?: AbortSignal;
  /** The longest the probe may take, ping and connect included (default: the server's `connectTimeoutMs`). */
  timeoutMs?: number;
}

/**
 * Why no client could be had, as a stable word safe to show anyone (it holds no upstream text):
 * `circuit_open` (failed connects opened the server's circuit; `retryAt` says until when),
 * `connect_failed` (a connect was tried and failed), `no_answer` (a client did not answer ping),
 * `timeout` (nothing answered within `timeoutMs`), `busy` (too many callers waiting to connect),
 * `cancelled` (the caller's signal), `manager_closed`.
 */
export type ProbeFailure = "circuit_open" | "connect_failed" | "no_answer" | "timeout" | "busy" | "cancelled" | "manager_closed";

export type ProbeResult =
  | { server: string; ok: true; durationMs: number }
  | {
      server: string;
      ok: false;
      reason: ProbeFailure;
      /** What failed, for a log: its message may hold a server's own words (stderr, an HTTP body). */
      error: McpPoolError;
      /** While the circuit is open: epoch ms of its next connect attempt. */
      retryAt?: number;
      durationMs: number;
    };

export async function probePool(pool: ServerPool, controller: AbortController, timeoutMs: number): Promise<ProbeResult> {
  const startedAt = Date.now();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  try {
    await pool.probe(controller.signal, timeoutMs);
    return { server: pool.name, ok: true, durationMs: Date.now() - startedAt };
  } catch (caught) {
    const reason: ProbeFailure = timedOut ? "timeout" : failureOf(caught);
    const error = asPoolError(pool.name, reason, caught, timeoutMs);
    const retryAt = error instanceof ServerUnavailableError ? error.retryAt : undefined;
    return {
      server: pool.name,
      ok: false,
      reason,
      error,
      ...(retryAt === undefined ? {} : { retryAt }),
      durationMs: Date.now() - startedAt,
    };
  } finally {
    clearTimeout(timer);
  }
}

function failureOf(error: unknown): ProbeFailure {
  if (error instanceof ServerUnavailableError) return error.retryAt === undefined ? "connect_failed" : "circuit_open";
  if (error instanceof PoolTimeoutError) return "timeout";
  if (error instanceof PoolBusyError) return "busy";
  if (error instanceof ManagerClosedError) return "manager_closed";
  if (error instanceof CallCancelledError) return "cancelled";
  // The SDK's own: a ping that failed or was refused, or a connection that closed under it.
  return "no_answer";
}

function asPoolError(server: string, reason: ProbeFailure, error: unknown, timeoutMs: number): McpPoolError {
  if (reason === "timeout") {
    return new ServerUnavailableError(`No client of MCP server "${server}" answered within ${timeoutMs} ms`, { server, cause: error });
  }
  if (error instanceof McpPoolError) return error;
  const said = error instanceof Error ? error.message : String(error);
  return new ServerUnavailableError(`A client of MCP server "${server}" did not answer ping: ${said}`, { server, cause: error });
}
