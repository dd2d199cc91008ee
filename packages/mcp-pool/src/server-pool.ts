/**
 * What the two kinds of pool (shared, per-session) have in common: lending
 * slots on connections to callers in FIFO order, the per-session cap on calls
 * in flight, the circuit around connecting, and the bookkeeping for stats.
 * A subclass decides which connection serves a session and when to open more.
 */

import { ManagerClosedError, ServerUnavailableError } from "./errors.js";
import { CircuitBreaker } from "./circuit.js";
import { Connection } from "./connection.js";
import type { ServerStats } from "./stats.js";
import type { StderrMode } from "./transport.js";
import type { ServerConfig } from "./types.js";
import { WaitQueue, cancellation } from "./wait-queue.js";

/** A slot on a connection: one call (or one withClient callback) in flight. */
export interface Lease {
  readonly connection: Connection;
  /** Gives the slot back. Idempotent. */
  release(): void;
}

export interface PoolHooks {
  clientInfo: { name: string; version: string };
  stderr: StderrMode;
  onToolsChanged(server: string): void;
  onClientCreated(server: string, sessionId: string | undefined): void;
  onClientDestroyed(server: string, sessionId: string | undefined, reason: string): void;
  onWarning(server: string, message: string, error?: unknown): void;
}

/** The part of a server's stats the pool itself knows. */
export type PoolCounts = Pick<
  ServerStats,
  "clientsOpen" | "clientsIdle" | "sessionClients" | "callsInFlight" | "waiting" | "clientsCreated" | "clientsDestroyed"
>;

export abstract class ServerPool {
  protected readonly queue: WaitQueue<Lease>;
  readonly circuit: CircuitBreaker;
  protected closed = false;
  /** Every connection made and not yet destroyed. */
  protected readonly connections = new Set<Connection>();
  readonly #sessionCalls = new Map<string, number>();
  #inFlight = 0;
  #created = 0;
  #destroyed = 0;

  constructor(
    readonly config: ServerConfig,
    protected readonly hooks: PoolHooks,
  ) {
    const { pool } = config;
    this.queue = new WaitQueue(config.name, pool.maxWaiting, pool.acquireTimeoutMs);
    this.circuit = new CircuitBreaker(config.name, config.circuit);
  }

  get name(): string {
    return this.config.name;
  }

  get callsInFlight(): number {
    return this.#inFlight;
  }

  /** A slot for one call; waits (bounded) when every slot is taken. */
  lease(sessionId: string | undefined, signal?: AbortSignal): Promise<Lease> {
    if (this.closed) return Promise.reject(new ManagerClosedError(undefined, { server: this.name }));
    if (signal?.aborted) return Promise.reject(cancellation(signal, this.name, "Cancelled before the call started"));
    if (this.circuit.isOpen() && !this.hasUsableConnection(sessionId)) {
      return Promise.reject(this.circuit.unavailableError());
    }
    if (this.queue.length === 0 && !this.#atSessionCap(sessionId)) {
      const connection = this.findConnection(sessionId);
      if (connection) return Promise.resolve(this.#makeLease(connection, sessionId));
    }
    const waiting = this.queue.enqueue(sessionKey(sessionId), signal);
    this.dispatch();
    return waiting;
  }

  /** Stops lending, fails the waiters, and closes every connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.queue.rejectAll(new ManagerClosedError(undefined, { server: this.name }));
    await this.closeConnections();
  }

  counts(): PoolCounts {
    let open = 0;
    let idle = 0;
    for (const connection of this.connections) {
      if (connection.state !== "ready" && connection.state !== "connecting") continue;
      open += 1;
      if (connection.state === "ready" && connection.inFlight === 0) idle += 1;
    }
    return {
      clientsOpen: open,
      clientsIdle: idle,
      sessionClients: this.sessionClientCount(),
      callsInFlight: this.#inFlight,
      waiting: this.queue.length,
      clientsCreated: this.#created,
      clientsDestroyed: this.#destroyed,
    };
  }

  abstract releaseSession(sessionId: string): Promise<void>;
  /** Opens `minConnections` now rather than at first use. */
  abstract warmUp(): Promise<void>;

  /** A usable connection with a free slot for this session, if any. */
  protected abstract findConnection(sessionId: string | undefined): Connection | undefined;
  /** Starts opening connections for the waiters no connection can serve now. */
  protected abstract grow(): void;
  /** The connection has no call in flight any more. */
  protected abstract onIdle(connection: Connection): void;
  /** The connection died; drop it from the subclass's structures. */
  protected abstract onDead(connection: Connection): void;
  protected abstract closeConnections(): Promise<void>;
  protected abstract sessionClientCount(): number;

  protected hasUsableConnection(sessionId: string | undefined): boolean {
    for (const connection of this.connections) {
      if (connection.isUsable && (this.config.sharing === "shared" || connection.sessionId === sessionKey(sessionId))) return true;
    }
    return false;
  }

  /** Hands free slots to waiters in arrival order, then asks for more capacity. */
  protected dispatch(): void {
    if (this.closed || this.queue.length === 0) return;
    let unserved = false;
    for (const waiter of this.queue.waiting()) {
      const sessionId = waiter.sessionId || undefined;
      if (this.#atSessionCap(sessionId)) continue;
      const connection = this.findConnection(sessionId);
      if (!connection) {
        unserved = true;
        // In a shared pool no connection has room for anyone now: stop walking.
        if (this.config.sharing === "shared") break;
        continue;
      }
      const lease = this.#makeLease(connection, sessionId);
      if (!waiter.grant(lease)) lease.release();
    }
    if (unserved) this.grow();
  }

  /** Creates a connection object wired to this pool (not yet connected). */
  protected newConnection(sessionId: string | undefined): Connection {
    const connection = new Connection(
      this.config,
      {
        clientInfo: this.hooks.clientInfo,
        stderr: this.hooks.stderr,
        onToolsChanged: () => this.hooks.onToolsChanged(this.name),
        onDead: (dead, reason) => {
          this.hooks.onWarning(this.name, `client ${dead.id} lost: ${reason}`);
          this.onDead(dead);
          this.dispatch();
        },
      },
      sessionId,
    );
    this.connections.add(connection);
    return connection;
  }

  /** Records the outcome of a connect attempt; on failure, fails waiters no one else can serve. */
  protected settleConnect(connection: Connection): boolean {
    if (connection.state === "ready") {
      this.circuit.recordSuccess();
      this.#created += 1;
      this.hooks.onClientCreated(this.name, connection.sessionId);
      return true;
    }
    const cause = connection.error ?? new Error(`connection ${connection.state}`);
    this.circuit.recordFailure(cause);
    this.hooks.onWarning(this.name, `connect failed: ${cause.message}`, cause);
    return false;
  }

  /** Fails waiters (all, or one session's) when nothing can serve them now. */
  protected failWaiters(error: ServerUnavailableError, sessionId?: string): void {
    for (const waiter of this.queue.waiting()) {
      if (sessionId === undefined || waiter.sessionId === sessionId) waiter.reject(error);
    }
  }

  protected connectFailedError(connection: Connection): ServerUnavailableError {
    if (this.circuit.state === "open") return this.circuit.unavailableError();
    const cause = connection.error;
    return new ServerUnavailableError(`Cannot connect to MCP server "${this.name}": ${cause?.message ?? "unknown error"}`, {
      server: this.name,
      cause,
    });
  }

  /** Closes a connection and forgets it; emits clientDestroyed for ones that had been created. */
  protected async destroyConnection(connection: Connection, reason: string): Promise<void> {
    if (!this.connections.delete(connection)) return;
    const wasCreated = connection.state !== "failed" && connection.state !== "connecting";
    try {
      await connection.close();
    } catch (error) {
      this.hooks.onWarning(this.name, `closing client ${connection.id} failed`, error);
    } finally {
      if (wasCreated) {
        this.#destroyed += 1;
        this.hooks.onClientDestroyed(this.name, connection.sessionId, reason);
      }
    }
  }

  #atSessionCap(sessionId: string | undefined): boolean {
    if (sessionId === undefined) return false;
    return (this.#sessionCalls.get(sessionId) ?? 0) >= this.config.maxCallsPerSession;
  }

  #makeLease(connection: Connection, sessionId: string | undefined): Lease {
    connection.inFlight += 1;
    this.#inFlight += 1;
    if (sessionId !== undefined) this.#sessionCalls.set(sessionId, (this.#sessionCalls.get(sessionId) ?? 0) + 1);
    let released = false;
    return {
      connection,
      release: () => {
        if (released) return;
        released = true;
        connection.inFlight -= 1;
        connection.lastUsedAt = Date.now();
        this.#inFlight -= 1;
        if (sessionId !== undefined) this.#decrementSession(sessionId);
        this.dispatch();
        if (connection.inFlight === 0) this.onIdle(connection);
      },
    };
  }

  #decrementSession(sessionId: string): void {
    const left = (this.#sessionCalls.get(sessionId) ?? 1) - 1;
    if (left > 0) this.#sessionCalls.set(sessionId, left);
    else this.#sessionCalls.delete(sessionId);
  }
}

/** Waiters carry a string; "" stands for "no session". */
export function sessionKey(sessionId: string | undefined): string {
  return sessionId ?? "";
}
