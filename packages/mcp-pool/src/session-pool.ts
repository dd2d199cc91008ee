/**
 * `sharing: "per-session"`: each session gets its own client, for stateful
 * servers whose state must not leak between users. Clients open on a
 * session's first call, close after `idleTimeoutMs` or at releaseSession,
 * and number at most `maxConnections`; when full, the least recently used
 * idle client makes room, otherwise callers wait like in a shared pool.
 */

import type { Connection } from "./connection.js";
import { ServerPool, sessionKey, type PoolHooks } from "./server-pool.js";
import type { ServerConfig } from "./types.js";

export class SessionPool extends ServerPool {
  readonly #bySession = new Map<string, Connection>();
  /** Sessions released while calls were in flight: close when the last one ends. */
  readonly #retiring = new Set<Connection>();
  readonly #sweeper: NodeJS.Timeout;

  constructor(config: ServerConfig, hooks: PoolHooks) {
    super(config, hooks);
    const every = Math.max(50, Math.min(config.pool.idleTimeoutMs / 2, 5_000));
    this.#sweeper = setInterval(() => this.#closeIdle(), every).unref();
  }

  async warmUp(): Promise<void> {
    // Nothing to warm: a dedicated client belongs to a session that does not exist yet.
  }

  async releaseSession(sessionId: string): Promise<void> {
    const connection = this.#bySession.get(sessionKey(sessionId));
    if (!connection) return;
    this.#bySession.delete(sessionKey(sessionId));
    if (connection.inFlight > 0) {
      this.#retiring.add(connection);
      return;
    }
    await this.destroyConnection(connection, "session released");
    this.dispatch();
  }

  protected findConnection(sessionId: string | undefined): Connection | undefined {
    const connection = this.#bySession.get(sessionKey(sessionId));
    if (!connection?.isUsable) return undefined;
    return connection.inFlight < this.config.pool.maxCallsPerConnection ? connection : undefined;
  }

  protected grow(): void {
    const sessions = new Set<string>();
    for (const waiter of this.queue.waiting()) sessions.add(waiter.sessionId);
    for (const session of sessions) {
      if (this.#bySession.has(session)) continue; // connecting, or busy: its waiters wait for it
      if (this.#bySession.size >= this.config.pool.maxConnections && !this.#evictLeastRecentlyUsed()) return;
      if (!this.circuit.tryAcquireAttempt()) {
        if (this.circuit.isOpen()) this.failWaiters(this.circuit.unavailableError(), session);
        continue;
      }
      void this.#open(session);
    }
  }

  protected onIdle(connection: Connection): void {
    if (this.#retiring.delete(connection)) void this.destroyConnection(connection, "session released");
  }

  protected onDead(connection: Connection): void {
    const key = connection.sessionId ?? "";
    if (this.#bySession.get(key) === connection) this.#bySession.delete(key);
    this.#retiring.delete(connection);
    void this.destroyConnection(connection, "connection lost");
  }

  protected sessionClientCount(): number {
    return this.#bySession.size;
  }

  protected async closeConnections(): Promise<void> {
    clearInterval(this.#sweeper);
    this.#bySession.clear();
    this.#retiring.clear();
    await Promise.all([...this.connections].map((connection) => this.destroyConnection(connection, "manager closed")));
  }

  async #open(session: string): Promise<void> {
    const connection = this.newConnection(session);
    this.#bySession.set(session, connection);
    await connection.connect();
    if (this.closed || this.#bySession.get(session) !== connection) {
      // Closed or released while connecting: no verdict on the server.
      this.circuit.abandonAttempt();
      await this.destroyConnection(connection, "session released");
      return;
    }
    if (!this.settleConnect(connection)) {
      this.#bySession.delete(session);
      this.failWaiters(this.connectFailedError(connection), session);
      // Other sessions may have waited for this verdict (the half-open probe): fail them fast too.
      this.dispatch();
      await this.destroyConnection(connection, "connect failed");
      return;
    }
    this.dispatch();
  }

  #evictLeastRecentlyUsed(): boolean {
    let oldest: [string, Connection] | undefined;
    for (const entry of this.#bySession) {
      const [, connection] = entry;
      if (!connection.isUsable || connection.inFlight > 0) continue;
      if (!oldest || connection.lastUsedAt < oldest[1].lastUsedAt) oldest = entry;
    }
    if (!oldest) return false;
    this.#bySession.delete(oldest[0]);
    void this.destroyConnection(oldest[1], "evicted to make room");
    return true;
  }

  #closeIdle(): void {
    const cutoff = Date.now() - this.config.pool.idleTimeoutMs;
    for (const [session, connection] of this.#bySession) {
      if (connection.isUsable && connection.inFlight === 0 && connection.lastUsedAt < cutoff) {
        this.#bySession.delete(session);
        void this.destroyConnection(connection, "idle");
      }
    }
  }
}
