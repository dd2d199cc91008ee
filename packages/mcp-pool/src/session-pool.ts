/**
 * `sharing: "per-session"`: each session gets its own client, for stateful
 * servers whose state must not leak between users. A session's client opens
 * on its first call and closes only when the session is released, when it has
 * been idle for `idleTimeoutMs`, or when it dies: never to make room for
 * another session. Live children, closing ones included, number at most
 * `maxConnections`; a session that finds no room waits like any caller
 * (`acquireTimeoutMs`, `maxWaiting`). A session whose client idled out or
 * died gets a new one, and its next answer says so (session-resets.ts).
 *
 * The server's catalog is read through a client already open, without taking
 * a slot (readCatalog): a server that announces tools/list_changed on each
 * session's first call costs no extra process.
 */

import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { Member, OpenOutcome } from "./connection-table.js";
import { ManagerClosedError, PoolTimeoutError } from "./errors.js";
import { ServerPool, sessionKey, type PoolDeps } from "./server-pool.js";
import { SessionResets } from "./session-resets.js";
import type { ServerConfig, SessionResetReason } from "./types.js";
import { cancellation } from "./wait-queue.js";

/** What a catalog-only client fills `${session.id}` with: no caller's session id contains a NUL. */
const CATALOG_PLACEHOLDER_ID = "\0catalog";

export class SessionPool extends ServerPool {
  readonly #sweeper: NodeJS.Timeout;
  readonly #resets = new SessionResets();
  /** The client that last announced tools/list_changed: the catalog is read through it. */
  #announcer: Member | undefined;
  /** Catalog reads waiting for a client to open or for room; woken at each dispatch. */
  readonly #catalogWaits = new Set<() => void>();

  constructor(config: ServerConfig, deps: PoolDeps) {
    super(config, deps);
    const every = Math.max(50, Math.min(config.pool.idleTimeoutMs / 2, 5_000));
    this.#sweeper = setInterval(() => this.#closeIdle(), every).unref();
  }

  async warmUp(): Promise<void> {
    // Nothing to warm: a dedicated client belongs to a session that does not exist yet.
  }

  async releaseSession(sessionId: string): Promise<void> {
    const key = sessionKey(sessionId);
    this.#resets.forget(key);
    const member = this.table.ofSession(key);
    if (!member) return;
    // Closes now when no call is in flight; otherwise with the last one.
    this.table.retire(member, "session released");
    if (member.state === "closing") await this.table.close(member, "session released");
  }

  /**
   * Runs `read` (the catalog's tools/list) through a client already open,
   * without taking a slot: the one that last announced tools/list_changed,
   * else the most recently used. With none open, it opens `sessionId`'s own
   * client (which its calls use next) or, when no session asks, a client of its
   * own that closes once read; either counts within `maxConnections`.
   */
  async readCatalog<T>(
    read: (client: Client) => Promise<T>,
    sessionId: string | undefined,
    signal: AbortSignal,
    purpose = "catalog read",
  ): Promise<T> {
    const deadline = Date.now() + this.config.pool.acquireTimeoutMs;
    const session = sessionId === undefined ? undefined : sessionKey(sessionId);
    for (;;) {
      if (this.closed) throw new ManagerClosedError(undefined, { server: this.name });
      if (signal.aborted) throw cancellation(signal, this.name, "Reading the tool list was cancelled");
      const open = this.#openClient();
      if (open) {
        const answer = await readThrough(open, read, signal);
        if (answer) return answer.value;
        continue; // it closed under the read (released, idled out, died): another client may answer
      }
      // The asking session's own client is on its way (its first call opens it): read through it once open.
      const coming = session !== undefined && this.table.ofSession(session) !== undefined;
      if (!coming && this.#mayConnect()) {
        const opened = session === undefined ? await this.#openForCatalog() : await this.#open(session);
        if (!opened.ok)
          throw opened.cutShort || this.closed
            ? new ManagerClosedError(undefined, { server: this.name })
            : this.connectFailedError(opened.error);
        try {
          const answer = await readThrough(opened.member, read, signal);
          if (answer) return answer.value;
        } finally {
          if (session === undefined) void this.table.close(opened.member, purpose);
        }
        continue;
      }
      await this.#nextDispatch(deadline, signal);
    }
  }

  /** Through any open client, else one of no session, closed once it answered (as for a catalog read). */
  protected async probeByConnecting(signal: AbortSignal): Promise<void> {
    await this.readCatalog((client) => client.ping({ signal }), undefined, signal, "readiness probe");
  }

  protected findMember(sessionId: string | undefined): Member | undefined {
    const member = this.table.ofSession(sessionKey(sessionId));
    if (member?.state !== "lent") return undefined;
    return member.inFlight < this.config.pool.maxCallsPerConnection ? member : undefined;
  }

  protected hasUsableMember(sessionId: string | undefined): boolean {
    return this.table.ofSession(sessionKey(sessionId))?.state === "lent";
  }

  protected override dispatch(): void {
    for (const wake of [...this.#catalogWaits]) wake();
    super.dispatch();
  }

  protected grow(): void {
    const sessions = new Set<string>();
    for (const waiter of this.queue.waiting()) sessions.add(waiter.sessionId);
    // One reading of the clock for the circuit's refusal and whether it is open (see SharedPool.grow).
    const now = Date.now();
    for (const session of sessions) {
      if (this.table.ofSession(session)) continue; // connecting, or busy: its waiters wait for it
      // No room: wait for a session to be released, idle out or die (closed members dispatch again).
      if (this.table.live >= this.config.pool.maxConnections) return;
      if (!this.circuit.tryAcquireAttempt(now)) {
        if (this.circuit.isOpen(now)) this.failUnservable(undefined, session);
        continue;
      }
      void this.#open(session);
    }
  }

  protected onIdle(): void {
    // A released session's client closes with its last call (the table retires it).
  }

  protected override onLent(member: Member): void {
    this.#resets.used(member);
  }

  protected override onLost(member: Member): void {
    // Retiring (released, idled out) members keep their reason; only a session's current client is a reset.
    if (member.closeReason === "connection lost") this.#resets.ended(member, "connection lost");
  }

  protected override onToolsChanged(member: Member): void {
    this.#announcer = member;
  }

  protected override takeSessionReset(member: Member): SessionResetReason | undefined {
    return this.#resets.take(member);
  }

  protected async closeConnections(): Promise<void> {
    clearInterval(this.#sweeper);
    for (const wake of [...this.#catalogWaits]) wake();
    await this.table.closeAll("manager closed");
  }

  async #open(session: string): Promise<OpenOutcome> {
    const outcome = await this.openMember(session);
    if (outcome.ok) this.#resets.opened(outcome.member);
    else if (!outcome.cutShort && !this.closed) this.failUnservable(outcome.error, session);
    // Its waiters get their slots; other sessions may have waited for this verdict (the half-open probe).
    this.dispatch();
    return outcome;
  }

  /** A client of no session, for a catalog read only. */
  async #openForCatalog(): Promise<OpenOutcome> {
    const outcome = await this.openMember(undefined, CATALOG_PLACEHOLDER_ID);
    // Sessions may have waited for this verdict (the half-open probe), or for the room it took.
    if (!outcome.ok) this.dispatch();
    return outcome;
  }

  /** Room for one more live child, and the circuit lets a connect be tried (it throws while open). */
  #mayConnect(): boolean {
    if (this.table.live >= this.config.pool.maxConnections) return false;
    if (this.circuit.isOpen()) throw this.circuit.unavailableError();
    // False while another attempt probes the half-open circuit: its verdict comes first.
    return this.circuit.tryAcquireAttempt();
  }

  /** An open client to read the catalog through, if any. */
  #openClient(): Member | undefined {
    if (this.#announcer?.state === "lent") return this.#announcer;
    let newest: Member | undefined;
    for (const member of this.table.members()) {
      if (member.state === "lent" && (!newest || member.lastUsedAt > newest.lastUsedAt)) newest = member;
    }
    return newest;
  }

  /** Resolves at the next dispatch (a client opened or closed, a slot freed); rejects at the deadline or abort. */
  #nextDispatch(deadline: number, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        this.#catalogWaits.delete(wake);
      };
      const wake = () => {
        done();
        resolve();
      };
      const onAbort = () => {
        done();
        reject(cancellation(signal, this.name, "Reading the tool list was cancelled"));
      };
      const timer = setTimeout(
        () => {
          done();
          const message = `Waited ${this.config.pool.acquireTimeoutMs} ms for a client of MCP server "${this.name}" to read its tool list through`;
          reject(new PoolTimeoutError(message, { server: this.name }));
        },
        Math.max(0, deadline - Date.now()),
      );
      this.#catalogWaits.add(wake);
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  #closeIdle(): void {
    const cutoff = Date.now() - this.config.pool.idleTimeoutMs;
    for (const member of this.table.members()) {
      // A member of no session is a catalog read in progress: it closes when done.
      if (member.sessionId === undefined || member.state !== "lent" || member.inFlight > 0 || member.lastUsedAt >= cutoff) continue;
      this.#resets.ended(member, "idle");
      this.table.retire(member, "idle");
    }
  }
}

/** The read's value; undefined when the member closed under it (another client may answer). */
async function readThrough<T>(
  member: Member,
  read: (client: Client) => Promise<T>,
  signal: AbortSignal,
): Promise<{ value: T } | undefined> {
  try {
    return { value: await read(member.connection.client) };
  } catch (error) {
    if (signal.aborted || member.state === "lent") throw error;
    return undefined;
  }
}
