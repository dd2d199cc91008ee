/**
 * PooledMCPServerManager: one per process. Per-server pools of MCP clients
 * (shared or per-session), one tool catalog shared by every session, typed
 * errors, stats and events.
 *
 *   open ──close()──▶ closing (new calls refused; calls in flight get graceMs) ──▶ closed
 */

import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { GetPromptResult, Prompt, ReadResourceResult, Resource } from "@modelcontextprotocol/sdk/types.js";
import { followAbort } from "./abort-link.js";
import { CallControl } from "./call-control.js";
import { Catalog, type ResolvedTool } from "./catalog.js";
import { listAllPrompts, listAllResources, listAllTools } from "./client-lists.js";
import { isSessionExpired, sdkConnectionFactory } from "./connection.js";
import { loadConfigFile, parseConfig, type McpServersJson } from "./config.js";
import {
  ConnectionLostError,
  ManagerClosedError,
  McpPoolError,
  UnknownServerError,
  type McpPoolErrorCode,
  type ToolResultContent,
} from "./errors.js";
import { TypedEmitter, type ManagerEvents } from "./events.js";
import { probePool, type ProbeOptions, type ProbeResult } from "./probe.js";
import { ServerCatalog } from "./server-catalog.js";
import type { PoolDeps, ServerPool } from "./server-pool.js";
import { SessionPool } from "./session-pool.js";
import { SharedPool } from "./shared-pool.js";
import type { ManagerStats, ServerStats } from "./stats.js";
import { runToolCall, type ToolCallOutcome } from "./tool-call.js";
import { cancellation } from "./wait-queue.js";
import type { ManagerConfig, ServerConfig, ToolFilter, ToolListing } from "./types.js";
import type {
  CallToolOptions,
  ClientContext,
  CloseOptions,
  ListToolsOptions,
  ManagerOptions,
  ToolCallResult,
  WithClientOptions,
} from "./manager-options.js";

interface CallCounters {
  ok: number;
  failed: Partial<Record<McpPoolErrorCode, number>>;
}

const DEFAULT_CLIENT_INFO = { name: "mcp-pool", version: "0.1.0" };

export class PooledMCPServerManager extends TypedEmitter<ManagerEvents> {
  readonly config: ManagerConfig;
  readonly #pools = new Map<string, ServerPool>();
  readonly #catalogs = new Map<string, ServerCatalog>();
  readonly #counters = new Map<string, CallCounters>();
  readonly #catalog: Catalog;
  /** Every call accepted and not yet ended: close() waits for them, then aborts them. */
  readonly #calls = new Set<CallControl>();
  #state: "open" | "closing" | "closed" = "open";
  #closing: Promise<void> | undefined;

  constructor(config: ManagerConfig | McpServersJson, options: ManagerOptions = {}) {
    super();
    this.config = isManagerConfig(config) ? config : parseConfig(config, options);
    const deps = this.#poolDeps(options);
    for (const server of this.config.servers) {
      const pool = server.sharing === "per-session" ? new SessionPool(server, deps) : new SharedPool(server, deps);
      this.#pools.set(server.name, pool);
      this.#catalogs.set(server.name, this.#serverCatalog(server, pool));
      this.#counters.set(server.name, { ok: 0, failed: {} });
    }
    this.#catalog = new Catalog(this.#catalogs);
  }

  /** Reads an `mcpServers` JSON file (relative `cwd` resolves against its directory). */
  static async fromFile(path: string, options: ManagerOptions = {}): Promise<PooledMCPServerManager> {
    const config = await loadConfigFile(path, options.env ? { env: options.env } : {});
    return new PooledMCPServerManager(config, options);
  }

  get closed(): boolean {
    return this.#state !== "open";
  }

  /** Opens every server's `minConnections` now instead of at first use. */
  async warmUp(): Promise<void> {
    this.#assertOpen();
    await Promise.all([...this.#pools.values()].map((pool) => pool.warmUp()));
  }

  /**
   * The shared catalog (through an optional filter on qualified names), as
   * loaded now: servers not loaded (unreachable, still loading) are listed in
   * `unavailable`, not waited for (but `waitMs`) and not hidden. Takes
   * `{ filter, signal, sessionId, waitMs }`, or a filter alone.
   */
  async listTools(options: ListToolsOptions | ToolFilter = {}): Promise<ToolListing> {
    this.#assertOpen();
    const { filter, signal, sessionId, waitMs } = isListToolsOptions(options) ? options : { filter: options };
    const listing = this.#catalog.list(filter, sessionId, waitMs);
    return signal ? untilAborted(listing, signal) : listing;
  }

  /**
   * Can a client of `server` be had now? A live client answering ping (no slot taken), else a connect
   * attempt as a call would make (its circuit permitting), all within `timeoutMs` (default the server's
   * `connectTimeoutMs`). Never throws for the server's state: the result says `ok`, or a short `reason`.
   */
  async probe(server: string, options: ProbeOptions = {}): Promise<ProbeResult> {
    this.#assertOpen();
    const pool = this.#pool(server);
    return this.#tracked(options.signal, (controller) => probePool(pool, controller, options.timeoutMs ?? pool.config.connectTimeoutMs));
  }

  /**
   * Calls a tool by its qualified name (`<server>__<tool>`). Not async: a tool the catalog knows (nearly
   * every call) is called without an async frame; the hottest path in the library.
   */
  callTool(name: string, args: Record<string, unknown> = {}, options: CallToolOptions = {}): Promise<ToolCallResult> {
    if (this.#state !== "open") return Promise.reject(new ManagerClosedError());
    const resolved = this.#catalog.lookup(name);
    return resolved ? this.#call(name, resolved, args, options) : this.#resolveAndCall(name, args, options);
  }

  async #resolveAndCall(name: string, args: Record<string, unknown>, options: CallToolOptions): Promise<ToolCallResult> {
    return this.#call(name, await this.#catalog.resolve(name, options.sessionId), args, options);
  }

  #call(name: string, resolved: ResolvedTool, args: Record<string, unknown>, options: CallToolOptions): Promise<ToolCallResult> {
    const { sessionId } = options;
    const startedAt = Date.now();
    const tool = resolved.tool.name;
    // #tracked's work, inline.
    const control = new CallControl();
    const unfollow = options.signal ? followAbort(options.signal, control) : undefined;
    this.#calls.add(control);
    const ended = () => {
      this.#calls.delete(control);
      unfollow?.();
    };
    let outcome: Promise<ToolCallOutcome>;
    let pool: ServerPool;
    try {
      pool = this.#pool(resolved.server);
      outcome = runToolCall({
        pool,
        tool: resolved.tool,
        args,
        sessionId,
        fairnessKey: options.fairnessKey ?? sessionId,
        control,
        cancellable: options.signal !== undefined,
        maxTotalTimeoutMs: pool.config.maxTotalTimeoutMs,
        timeoutMs: options.timeoutMs ?? pool.config.callTimeoutMs,
        onProgress: options.onProgress,
        onStarted: this.listens("callStart")
          ? (waitMs) => this.emit("callStart", { server: pool.name, tool, sessionId, waitMs })
          : undefined,
      });
    } catch (error) {
      ended();
      return Promise.reject(error);
    }
    return outcome.then(
      ({ result, sessionReset }) => {
        ended();
        this.#recordCall(pool.name, tool, sessionId, "ok", startedAt);
        const { content, structuredContent } = result;
        const answer: ToolCallResult = { name, server: pool.name, tool, content: content as ToolResultContent[] };
        if (structuredContent !== undefined) answer.structuredContent = structuredContent;
        if (sessionReset !== undefined) answer.sessionReset = sessionReset;
        return answer;
      },
      (error: unknown) => {
        ended();
        // runToolCall types every failure; anything else would be a bug, counted as a protocol failure.
        this.#recordCall(pool.name, tool, sessionId, error instanceof McpPoolError ? error.code : "tool_protocol_error", startedAt);
        throw error;
      },
    );
  }

  /**
   * Borrows a client of `server` for several operations; the slot is held
   * until `fn` settles. Pass `context.signal` to each request: it is aborted by
   * the caller's signal and by close().
   */
  async withClient<T>(
    server: string,
    fn: (client: Client, context: ClientContext) => Promise<T>,
    options: WithClientOptions = {},
  ): Promise<T> {
    this.#assertOpen();
    const pool = this.#pool(server);
    return this.#tracked(options.signal, async ({ signal }) => {
      const lease = await pool.lease(options.sessionId, signal, options.fairnessKey ?? options.sessionId);
      const sessionReset = lease.takeSessionReset();
      try {
        return await fn(lease.client, sessionReset === undefined ? { signal } : { signal, sessionReset });
      } catch (error) {
        // Aborted (by close() or the caller): whatever fn saw, the caller hears why.
        if (signal.aborted) throw cancellation(signal, pool.name, `Work with a client of "${pool.name}" was cancelled`);
        if (!isSessionExpired(error)) throw error;
        // The server forgot the client's session (a restart): replace the client, as a tool call would.
        lease.markLost("HTTP session expired");
        const message = `MCP server "${pool.name}" no longer knows this client's HTTP session; the request did not run`;
        throw new ConnectionLostError(message, { server: pool.name, mayHaveRun: false, cause: error });
      } finally {
        lease.release();
      }
    });
  }

  /** A server's resources (all pages), through a pooled client. */
  async listResources(server: string, options: WithClientOptions = {}): Promise<Resource[]> {
    return this.withClient(server, (client, { signal }) => listAllResources(client, signal), options);
  }

  async readResource(server: string, uri: string, options: WithClientOptions = {}): Promise<ReadResourceResult> {
    return this.withClient(server, (client, { signal }) => client.readResource({ uri }, { signal }), options);
  }

  /** A server's prompts (all pages), through a pooled client. */
  async listPrompts(server: string, options: WithClientOptions = {}): Promise<Prompt[]> {
    return this.withClient(server, (client, { signal }) => listAllPrompts(client, signal), options);
  }

  async getPrompt(
    server: string,
    name: string,
    args: Record<string, string> = {},
    options: WithClientOptions = {},
  ): Promise<GetPromptResult> {
    return this.withClient(server, (client, { signal }) => client.getPrompt({ name, arguments: args }, { signal }), options);
  }

  /** Ends a session: closes its dedicated clients (after their calls in flight). */
  async releaseSession(sessionId: string): Promise<void> {
    await Promise.all([...this.#pools.values()].map((pool) => pool.releaseSession(sessionId)));
  }

  stats(): ManagerStats {
    const servers: ServerStats[] = [...this.#pools.values()].map((pool) => {
      const counters = this.#counters.get(pool.name) ?? { ok: 0, failed: {} };
      return {
        server: pool.name,
        sharing: pool.config.sharing,
        maxConnections: pool.config.pool.maxConnections,
        callSlots: pool.config.pool.maxConnections * pool.config.pool.maxCallsPerConnection,
        ...pool.counts(),
        callsOk: counters.ok,
        callsFailed: { ...counters.failed },
        circuit: pool.circuit.state,
        catalogVersion: this.#catalogs.get(pool.name)?.version ?? 0,
      };
    });
    return { closed: this.closed, servers };
  }

  /**
   * Refuses new calls, lets calls in flight finish for up to `graceMs`, fails
   * the rest with ManagerClosedError, then closes every client and ends every
   * child process. Safe to call more than once.
   */
  close(options: CloseOptions = {}): Promise<void> {
    this.#closing ??= this.#close(options.graceMs ?? 5_000);
    return this.#closing;
  }

  async #close(graceMs: number): Promise<void> {
    this.#state = "closing";
    await this.#callsEnded(graceMs);
    for (const control of this.#calls) control.abort(new ManagerClosedError());
    for (const catalog of this.#catalogs.values()) catalog.close();
    await Promise.all([...this.#pools.values()].map((pool) => pool.close()));
    this.#state = "closed";
  }

  async #callsEnded(graceMs: number): Promise<void> {
    const deadline = Date.now() + graceMs;
    while (this.#calls.size > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(20, Math.max(1, deadline - Date.now()))));
    }
  }

  /** Runs `fn` with a CallControl of its own, ended by the caller's signal and by close(). */
  async #tracked<T>(callerSignal: AbortSignal | undefined, fn: (control: CallControl) => Promise<T>): Promise<T> {
    const control = new CallControl();
    const unfollow = callerSignal ? followAbort(callerSignal, control) : undefined;
    this.#calls.add(control);
    try {
      return await fn(control);
    } finally {
      this.#calls.delete(control);
      unfollow?.();
    }
  }

  #recordCall(server: string, tool: string, sessionId: string | undefined, outcome: "ok" | McpPoolErrorCode, startedAt: number): void {
    const counters = this.#counters.get(server);
    if (counters) {
      if (outcome === "ok") counters.ok += 1;
      else counters.failed[outcome] = (counters.failed[outcome] ?? 0) + 1;
    }
    if (this.listens("callEnd")) this.emit("callEnd", { server, tool, sessionId, outcome, durationMs: Date.now() - startedAt });
  }

  #pool(server: string): ServerPool {
    const pool = this.#pools.get(server);
    if (!pool) throw new UnknownServerError(`No MCP server named "${server}" is configured`, { server });
    return pool;
  }

  #assertOpen(): void {
    if (this.#state !== "open") throw new ManagerClosedError();
  }

  #serverCatalog(server: ServerConfig, pool: ServerPool): ServerCatalog {
    const listing =
      pool instanceof SessionPool
        ? // Through a client already open, taking no session's slot (SessionPool.readCatalog).
          (sessionId: string | undefined) =>
            this.#tracked(undefined, ({ signal }) => pool.readCatalog((client) => listAllTools(client, signal), sessionId, signal))
        : () => this.withClient(server.name, (client, { signal }) => listAllTools(client, signal));
    // What a failed listing says reaches every user's /tools and /readyz: redacted, an HTTP body cut.
    const load = (sessionId: string | undefined) =>
      listing(sessionId).catch((error: unknown) => {
        throw pool.redactor.error(error);
      });
    return new ServerCatalog(
      server.name,
      server.tools,
      load,
      (version, tools) => this.emit("catalogLoaded", { server: server.name, version, tools }),
      (error) => this.emit("warning", { server: server.name, message: "refreshing the tool list failed", error }),
    );
  }

  #poolDeps(options: ManagerOptions): PoolDeps {
    const factory =
      options.connectionFactory ??
      sdkConnectionFactory({ clientInfo: options.clientInfo ?? DEFAULT_CLIENT_INFO, stderr: options.stderr ?? "ignore" });
    return {
      factory,
      hooks: {
        onToolsChanged: (server) => this.#catalogs.get(server)?.invalidate(),
        onClientCreated: (server, sessionId) => this.emit("clientCreated", { server, sessionId }),
        onClientDestroyed: (server, sessionId, reason) => this.emit("clientDestroyed", { server, sessionId, reason }),
        onWarning: (server, message, error) => {
          const redactor = this.#pools.get(server)?.redactor;
          const redacted = redactor ? { message: redactor.text(message), error: redactor.error(error) } : { message, error };
          this.emit("warning", { server, ...redacted });
        },
        onDebug: (server, message, detail) => this.emit("debug", { server, message, detail }),
      },
    };
  }
}

function isManagerConfig(config: ManagerConfig | McpServersJson): config is ManagerConfig {
  return Array.isArray((config as ManagerConfig).servers);
}

function isListToolsOptions(options: ListToolsOptions | ToolFilter): options is ListToolsOptions {
  return "filter" in options || "signal" in options || "sessionId" in options || "waitMs" in options;
}

/** The promise, or CallCancelledError as soon as the signal aborts (the work itself goes on for others). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(cancellation(signal, undefined, "Listing the tools was cancelled"));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(cancellation(signal, undefined, "Listing the tools was cancelled"));
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
