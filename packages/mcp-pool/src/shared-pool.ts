/**
 * `sharing: "shared"`: up to `maxConnections` clients serve every session,
 * each carrying up to `maxCallsPerConnection` calls at once.
 *
 * generic-pool owns the clients' lifecycle: creating, validating on borrow
 * (ping after `validateAfterIdleMs`), keeping `minConnections`, evicting idle
 * ones. A client is borrowed from it while it carries calls ("active") and
 * returned when it falls idle. Our factory's `create` never rejects (a failed
 * connect comes back as a `failed` connection), because generic-pool retries a
 * rejecting `create` in a tight loop; the circuit decides when to try again.
 */

import genericPool from "generic-pool";
import type { Pool } from "generic-pool";
import type { Connection } from "./connection.js";
import { ServerPool, type PoolHooks } from "./server-pool.js";
import type { ServerConfig } from "./types.js";

/** A ping gets the server's call timeout, but never more than this. */
const MAX_PING_TIMEOUT_MS = 5_000;

export class SharedPool extends ServerPool {
  readonly #pool: Pool<Connection>;
  /** Borrowed from generic-pool: carrying calls, or about to. */
  readonly #active = new Set<Connection>();
  #acquiring = 0;
  /** Connections with an idle check already scheduled. */
  readonly #idleChecks = new Set<Connection>();

  constructor(config: ServerConfig, hooks: PoolHooks) {
    super(config, hooks);
    const { pool } = config;
    this.#pool = genericPool.createPool<Connection>(
      {
        create: () => this.#create(),
        destroy: (connection) => this.destroyConnection(connection, reasonFor(connection)),
        validate: (connection) => this.#validate(connection),
      },
      {
        max: pool.maxConnections,
        min: pool.minConnections,
        // We only ask when below max, so generic-pool never queues: its wait bound is ours.
        maxWaitingClients: pool.maxConnections,
        acquireTimeoutMillis: pool.acquireTimeoutMs,
        testOnBorrow: true,
        autostart: false,
        fifo: false,
        softIdleTimeoutMillis: pool.idleTimeoutMs,
        idleTimeoutMillis: Number.MAX_SAFE_INTEGER,
        evictionRunIntervalMillis: Math.max(100, Math.min(pool.idleTimeoutMs / 2, 10_000)),
        numTestsPerEvictionRun: pool.maxConnections,
      },
    );
  }

  async warmUp(): Promise<void> {
    if (this.config.pool.minConnections === 0 || this.closed) return;
    this.#pool.start();
    await this.#pool.ready();
  }

  async releaseSession(): Promise<void> {
    // Shared clients belong to no session; the per-session counters clear as calls end.
  }

  protected findConnection(): Connection | undefined {
    let best: Connection | undefined;
    for (const connection of this.#active) {
      if (!connection.isUsable || connection.inFlight >= this.config.pool.maxCallsPerConnection) continue;
      if (!best || connection.inFlight < best.inFlight) best = connection;
    }
    return best;
  }

  protected grow(): void {
    // Enough for everyone waiting; some may be held back by their session's cap, which costs at most a client more.
    const perConnection = this.config.pool.maxCallsPerConnection;
    const wanted = Math.ceil(this.queue.length / perConnection) - this.#acquiring;
    const room = this.config.pool.maxConnections - this.#active.size - this.#acquiring;
    const idle = this.#pool.available;
    for (let i = 0; i < Math.min(wanted, room); i += 1) {
      // Borrowing an idle client connects nothing: only new clients ask the circuit (and a probe must connect).
      if (i >= idle && !this.circuit.tryAcquireAttempt()) break;
      this.#acquire();
    }
    if (this.#active.size === 0 && this.#acquiring === 0 && this.circuit.isOpen()) {
      this.failWaiters(this.circuit.unavailableError());
    }
  }

  protected onIdle(connection: Connection): void {
    // Keep it for a turn of the event loop: a sequential caller's next call
    // reuses it without a round trip through generic-pool.
    if (this.#idleChecks.has(connection)) return;
    this.#idleChecks.add(connection);
    setImmediate(() => {
      this.#idleChecks.delete(connection);
      if (connection.inFlight > 0 || !this.#active.has(connection)) return;
      this.#active.delete(connection);
      if (connection.isUsable && !this.closed) void this.#pool.release(connection).catch(() => undefined);
      else void this.#pool.destroy(connection).catch(() => undefined);
    });
  }

  protected onDead(connection: Connection): void {
    // Borrowed: destroy now. Idle in generic-pool: validation on borrow drops it.
    if (this.#active.delete(connection)) void this.#pool.destroy(connection).catch(() => undefined);
  }

  protected sessionClientCount(): number {
    return 0;
  }

  protected async closeConnections(): Promise<void> {
    // Every client first, connecting ones included: drain() waits for pending
    // creates, which would otherwise last until connectTimeoutMs.
    const closing = [...this.connections].map((connection) => this.destroyConnection(connection, "manager closed"));
    const destroying = [...this.#active].map((connection) => this.#pool.destroy(connection).catch(() => undefined));
    this.#active.clear();
    await Promise.all([...closing, ...destroying]);
    await this.#pool.drain();
    await this.#pool.clear();
    // Anything generic-pool created meanwhile is closed here.
    await Promise.all([...this.connections].map((connection) => this.destroyConnection(connection, "manager closed")));
  }

  #acquire(): void {
    this.#acquiring += 1;
    this.#pool.acquire().then(
      (connection) => {
        this.#acquiring -= 1;
        this.#onAcquired(connection);
      },
      (error: unknown) => {
        this.#acquiring -= 1;
        if (!this.closed) this.hooks.onWarning(this.name, "acquiring a client failed", error);
        this.dispatch();
      },
    );
  }

  #onAcquired(connection: Connection): void {
    if (this.closed) {
      void this.#pool.destroy(connection).catch(() => undefined);
      return;
    }
    if (!connection.isUsable) {
      void this.#pool.destroy(connection).catch(() => undefined);
      if (this.#active.size === 0 && this.#acquiring === 0) this.failWaiters(this.connectFailedError(connection));
      return;
    }
    this.#active.add(connection);
    this.dispatch();
    if (connection.inFlight === 0) this.onIdle(connection);
  }

  async #create(): Promise<Connection> {
    const connection = this.newConnection(undefined);
    // generic-pool still creates while draining (to replace a client failing validation): no new child then.
    if (this.closed) return connection;
    await connection.connect();
    // A connect close() cut short says nothing about the server.
    if (!this.closed) this.settleConnect(connection);
    return connection;
  }

  async #validate(connection: Connection): Promise<boolean> {
    // A failed connect must reach #onAcquired, which fails the waiters: were it
    // invalid here, generic-pool would destroy it and create again, in a loop.
    // Same once closing: an invalid one would be replaced by a new connect.
    if (connection.state === "failed" || this.closed) return true;
    if (!connection.isUsable) return false;
    if (Date.now() - connection.lastUsedAt < this.config.pool.validateAfterIdleMs) return true;
    try {
      await connection.client.ping({ timeout: Math.min(this.config.callTimeoutMs, MAX_PING_TIMEOUT_MS) });
      connection.lastUsedAt = Date.now();
      return true;
    } catch (error) {
      this.hooks.onWarning(this.name, `client ${connection.id} failed its ping after idle`, error);
      return false;
    }
  }
}

function reasonFor(connection: Connection): string {
  if (connection.state === "dead") return "connection lost";
  if (connection.state === "failed") return "connect failed";
  return "idle or closed";
}
