/**
 * `sharing: "per-session"`: each session gets its own client, for stateful
 * servers whose state must not leak between users. Clients open on a
 * session's first call, close after `idleTimeoutMs` or at releaseSession, and
 * number at most `maxConnections` live children, closing ones included. When
 * full, the least recently used idle client makes room (new sessions wait
 * until its close is confirmed), otherwise callers wait like in a shared pool.
 */

import type { Member } from "./connection-table.js";
import { ServerPool, sessionKey, type PoolDeps } from "./server-pool.js";
import type { ServerConfig } from "./types.js";

export class SessionPool extends ServerPool {
  readonly #sweeper: NodeJS.Timeout;

  constructor(config: ServerConfig, deps: PoolDeps) {
    super(config, deps);
    const every = Math.max(50, Math.min(config.pool.idleTimeoutMs / 2, 5_000));
    this.#sweeper = setInterval(() => this.#closeIdle(), every).unref();
  }

  async warmUp(): Promise<void> {
    // Nothing to warm: a dedicated client belongs to a session that does not exist yet.
  }

  async releaseSession(sessionId: string): Promise<void> {
    const member = this.table.ofSession(sessionKey(sessionId));
    if (!member) return;
    // Closes now when no call is in flight; otherwise with the last one.
    this.table.retire(member, "session released");
    if (member.state === "closing") await this.table.close(member, "session released");
  }

  protected findMember(sessionId: string | undefined): Member | undefined {
    const member = this.table.ofSession(sessionKey(sessionId));
    if (member?.state !== "lent") return undefined;
    return member.inFlight < this.config.pool.maxCallsPerConnection ? member : undefined;
  }

  protected hasUsableMember(sessionId: string | undefined): boolean {
    return this.table.ofSession(sessionKey(sessionId))?.state === "lent";
  }

  protected grow(): void {
    const sessions = new Set<string>();
    for (const waiter of this.queue.waiting()) sessions.add(waiter.sessionId);
    for (const session of sessions) {
      if (this.table.ofSession(session)) continue; // connecting, or busy: its waiters wait for it
      if (!this.#hasRoom()) return;
      if (!this.circuit.tryAcquireAttempt()) {
        if (this.circuit.isOpen()) this.failWaiters(this.circuit.unavailableError(), session);
        continue;
      }
      void this.#open(session);
    }
  }

  protected onIdle(): void {
    // A released session's client closes with its last call (the table retires it).
  }

  protected async closeConnections(): Promise<void> {
    clearInterval(this.#sweeper);
    await this.table.closeAll("manager closed");
  }

  async #open(session: string): Promise<void> {
    const outcome = await this.openMember(session);
    if (!outcome.ok && !outcome.cutShort && !this.closed) {
      this.failWaiters(this.connectFailedError(outcome.error), session);
    }
    // Its waiters get their slots; other sessions may have waited for this verdict (the half-open probe).
    this.dispatch();
  }

  /** Under maxConnections live children; if not, asks the least recently used idle client to make room. */
  #hasRoom(): boolean {
    if (this.table.live < this.config.pool.maxConnections) return true;
    let closing = false;
    let oldest: Member | undefined;
    for (const member of this.table.members()) {
      if (member.state === "closing") closing = true;
      if (member.state !== "lent" || member.inFlight > 0) continue;
      if (!oldest || member.lastUsedAt < oldest.lastUsedAt) oldest = member;
    }
    // Room is being made already: wait for that close to be confirmed (onClosed dispatches again).
    if (!closing && oldest) this.table.retire(oldest, "evicted to make room");
    return false;
  }

  #closeIdle(): void {
    const cutoff = Date.now() - this.config.pool.idleTimeoutMs;
    for (const member of this.table.members()) {
      if (member.state === "lent" && member.inFlight === 0 && member.lastUsedAt < cutoff) this.table.retire(member, "idle");
    }
  }
}
