/**
 * What the two kinds of pool (shared, per-session) have in common: lending
 * slots on connections to callers in FIFO order, the per-session cap on calls
 * in flight, the circuit around connecting, and stats. Each connection's lease
 * state lives in the ConnectionTable; a subclass decides which connection
 * serves a session and when to open more.
 */

import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { CircuitBreaker } from "./circuit.js";
import type { ConnectionFactory } from "./connection-factory.js";
import { ConnectionTable, type Member, type OpenOutcome } from "./connection-table.js";
import { ManagerClosedError, ServerUnavailableError } from "./errors.js";
import { Redactor } from "./redaction.js";
import type { ServerStats } from "./stats.js";
import type { ServerConfig, SessionResetReason } from "./types.js";
import { WaitQueue, cancellation, type WaitBounds } from "./wait-queue.js";

/** A slot on a connection: one call (or one withClient callback) in flight. */
export interface Lease {
  readonly client: Client;
  /** The connection is gone (closed because it died); a call that failed on it lost its connection. */
  readonly lost: boolean;
  /** A call proved the connection dead: close it and lend it no more. */
  markLost(reason: string): void;
  /**
   * Why this session's client is not the one its earlier calls ran on (a
   * per-session server whose client idled out or died), once: the first answer
   * through the new client takes it and tells the caller. Otherwise undefined.
   */
  takeSessionReset(): SessionResetReason | undefined;
  /** Gives the slot back. Idempotent. */
  release(): void;
}

export interface PoolHooks {
  onToolsChanged(server: string): void;
  onClientCreated(server: string, sessionId: string | undefined): void;
  onClientDestroyed(server: string, sessionId: string | undefined, reason: string): void;
  onWarning(server: string, message: string, error?: unknown): void;
  onDebug(server: string, message: string, detail: string): void;
}

export interface PoolDeps {
  factory: ConnectionFactory;
  hooks: PoolHooks;
}

/** The part of a server's stats the pool itself knows. */
export type PoolCounts = Pick<
  ServerStats,
  "clientsOpen" | "clientsIdle" | "sessionClients" | "callsInFlight" | "waiting" | "clientsCreated" | "clientsDestroyed"
>;

export abstract class ServerPool {
  protected readonly queue: WaitQueue<Lease>;
  readonly circuit: CircuitBreaker;
  /** Keeps the config's expanded secrets out of errors and warnings about this server. */
  readonly redactor: Redactor;
  protected readonly table: ConnectionTable;
  protected readonly hooks: PoolHooks;
  protected closed = false;
  /** Calls in flight per fairness key (the per-session cap; the key defaults to the session), whichever connection carries them. */
  readonly #sessionCalls = new Map<string, number>();
  /** A connection to this server succeeded once: waiters may wait for it to come back. */
  #everConnected = false;
  /** Dispatches again when an open circuit lets the next attempt through, for the waiters waiting for it. */
  #probeTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly config: ServerConfig,
    deps: PoolDeps,
  ) {
    const { pool } = config;
    this.hooks = deps.hooks;
    this.queue = new WaitQueue(config.name, pool.maxWaiting, pool.acquireTimeoutMs);
    this.circuit = new CircuitBreaker(config.name, config.circuit);
    this.redactor = new Redactor(config.secrets);
    this.table = new ConnectionTable(config, deps.factory, {
      lost: (member, reason) => {
        this.hooks.onWarning(this.name, `client ${member.connection.id} lost: ${reason}`);
        // Ended before it answered anything: a failed start (a crash loop), not a crash of a working server.
        if (!member.served) this.circuit.recordEarlyEnd(new Error(`a client ended before it answered a call (${reason})`));
        this.onLost(member, reason);
        this.dispatch();
      },
      closed: (member) => {
        if (member.opened) this.hooks.onClientDestroyed(this.name, member.sessionId, member.closeReason ?? "closed");
        this.onClosed(member);
        // A live child fewer: a waiter may get a new client now.
        this.dispatch();
      },
      toolsChanged: (member) => {
        this.onToolsChanged(member);
        this.hooks.onToolsChanged(this.name);
      },
      warning: (message, error) => this.hooks.onWarning(this.name, message, error),
      debug: (message, detail) => this.hooks.onDebug(this.name, message, detail),
    });
  }

  get name(): string {
    return this.config.name;
  }

  /**
   * A slot for one call; waits (bounded: `bounds.timeoutMs`, default `acquireTimeoutMs`) when every slot
   * is taken. `fairnessKey` (default `sessionId`) is whose share of `maxCallsPerSession` it takes.
   */
  lease(
    sessionId: string | undefined,
    signal?: AbortSignal,
    fairnessKey: string | undefined = sessionId,
    bounds: WaitBounds = {},
  ): Promise<Lease> {
    if (this.closed) return Promise.reject(new ManagerClosedError(undefined, { server: this.name }));
    if (signal?.aborted) return Promise.reject(cancellation(signal, this.name, "Cancelled before the call started"));
    if (this.circuit.isOpen() && !this.hasUsableMember(sessionId)) {
      // Nothing can serve it before the circuit's next attempt: it waits for that if it can, else fails now.
      const deadline = Date.now() + (bounds.timeoutMs ?? this.config.pool.acquireTimeoutMs);
      if (bounds.waitsForProbe === false || !this.#mayWaitForProbe(deadline)) return Promise.reject(this.circuit.unavailableError());
      const waiting = this.queue.enqueue(sessionKey(sessionId), signal, fairnessKey, bounds);
      this.#scheduleProbe();
      return waiting;
    }
    const free = this.#freeSlot(sessionId, fairnessKey);
    if (free) return Promise.resolve(free);
    const waiting = this.queue.enqueue(sessionKey(sessionId), signal, fairnessKey, bounds);
    this.dispatch();
    return waiting;
  }

  /**
   * A slot now, if a client has one free and nobody waits: what most calls get, without lease()'s
   * promise and the await on it. Undefined: ask lease().
   */
  tryLease(sessionId: string | undefined, fairnessKey: string | undefined = sessionId): Lease | undefined {
    if (this.closed || (this.circuit.isOpen() && !this.hasUsableMember(sessionId))) return undefined;
    return this.#freeSlot(sessionId, fairnessKey);
  }

  #freeSlot(sessionId: string | undefined, fairnessKey: string | undefined): Lease | undefined {
    if (this.queue.length > 0 || this.#atSessionCap(fairnessKey)) return undefined;
    const member = this.findMember(sessionId);
    return member ? this.#makeLease(member, fairnessKey) : undefined;
  }

  /**
   * Readiness: a client of this server answers ping now. A live client is pinged without taking a slot
   * (a busy pool is still ready); with none, one is connected as for a call (the circuit permitting),
   * waiting at most `waitMs` and not for the next attempt of an open circuit. Throws why not.
   */
  async probe(signal: AbortSignal, waitMs: number): Promise<void> {
    const live = this.#liveMember();
    if (live) {
      await live.connection.client.ping({ signal });
      return;
    }
    if (this.circuit.isOpen()) throw this.circuit.unavailableError();
    await this.probeByConnecting(signal, waitMs);
  }

  /** Stops lending, fails the waiters, and closes every connection; resolves once every one is gone. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.#probeTimer);
    this.queue.rejectAll(new ManagerClosedError(undefined, { server: this.name }));
    await this.closeConnections();
  }

  counts(): PoolCounts {
    const counts = this.table.counts();
    return {
      clientsOpen: counts.open,
      clientsIdle: counts.idle,
      sessionClients: this.config.sharing === "per-session" ? counts.sessions : 0,
      callsInFlight: counts.inFlight,
      waiting: this.queue.length,
      clientsCreated: counts.created,
      clientsDestroyed: counts.destroyed,
    };
  }

  abstract releaseSession(sessionId: string): Promise<void>;
  /** Opens `minConnections` now rather than at first use. */
  abstract warmUp(): Promise<void>;

  /** A lent member with a free slot for this session, if any. */
  protected abstract findMember(sessionId: string | undefined): Member | undefined;
  /** Could a connection serve this session without a connect (so the circuit need not fail it)? */
  protected abstract hasUsableMember(sessionId: string | undefined): boolean;
  /** probe() when no client is live: get one as a call would, and ping it. */
  protected abstract probeByConnecting(signal: AbortSignal, waitMs: number): Promise<void>;
  /** Starts opening connections for the waiters no connection can serve now. */
  protected abstract grow(): void;
  /** The member has no call in flight any more. */
  protected abstract onIdle(member: Member): void;
  /** Closes every connection for close(). */
  protected abstract closeConnections(): Promise<void>;
  /** The member died and is closing. */
  protected onLost(_member: Member, _reason: string): void {}
  /** The member's close is confirmed (however it came to close). */
  protected onClosed(_member: Member): void {}
  /** A call (or withClient borrow) gave its slot back to `member` (whose lastUsedAt is now). */
  protected onCallEnded(_member: Member): void {}
  /** The member was lent for a call (or a withClient borrow). */
  protected onLent(_member: Member): void {}
  /** The member's server said its tool list changed (before the catalog hears of it). */
  protected onToolsChanged(_member: Member): void {}
  /** See Lease.takeSessionReset (per-session pools only). */
  protected takeSessionReset(_member: Member): SessionResetReason | undefined {
    return undefined;
  }

  /** Hands free slots to waiters in arrival order, then asks for more capacity. */
  protected dispatch(): void {
    if (this.closed || this.queue.length === 0) return;
    let unserved = false;
    // Waiters whose key is at its cap are not walked at all (the queue knows which keys are).
    for (const waiter of this.queue.servable()) {
      const sessionId = waiter.sessionId || undefined;
      const member = this.findMember(sessionId);
      if (!member) {
        unserved = true;
        // In a shared pool no connection has room for anyone now: stop walking.
        if (this.config.sharing === "shared") break;
        continue;
      }
      const lease = this.#makeLease(member, waiter.fairnessKey);
      if (!waiter.grant(lease)) lease.release();
    }
    if (unserved) this.grow();
  }

  /**
   * Opens a connection and gives the circuit its verdict. Synchronous up to
   * the connect, so the member is in the table when this returns.
   */
  protected async openMember(sessionId: string | undefined, placeholderId = sessionId, idle = false): Promise<OpenOutcome> {
    const outcome = await this.table.open(sessionId, placeholderId, idle);
    if (outcome.ok) {
      this.circuit.recordConnected();
      this.#everConnected = true;
      this.hooks.onClientCreated(this.name, sessionId);
    } else if (outcome.cutShort || this.closed) {
      // Closed or released while connecting: no verdict on the server; a probe may try again.
      this.circuit.abandonAttempt();
    } else {
      this.circuit.recordFailure(outcome.error);
      this.hooks.onWarning(this.name, `connect failed: ${outcome.error.message}`, outcome.error);
    }
    return outcome;
  }

  /**
   * No client can serve these waiters (all, or one session's), and a connect
   * failed (`cause`) or the circuit refused one. A server that has connected
   * before is expected back: while the circuit is closed the next connect is
   * tried at once (its failures open the circuit), and once it is open a
   * waiter waits for the next attempt if its deadline comes later; only those
   * who cannot wait that long fail. A server that never connected fails its
   * waiters at once, so a misconfiguration shows at the first call.
   */
  protected failUnservable(cause: Error | undefined, sessionId?: string): void {
    const open = this.circuit.state === "open";
    if (this.#everConnected && !open) return;
    const error = cause ? this.connectFailedError(cause) : this.circuit.unavailableError();
    for (const waiter of this.queue.waiting()) {
      if (sessionId !== undefined && waiter.sessionId !== sessionId) continue;
      if (!open || !waiter.waitsForProbe || !this.#mayWaitForProbe(waiter.deadline)) waiter.reject(error);
    }
    if (open) this.#scheduleProbe();
  }

  /** The error of a failed connect: the circuit's when it is open now. */
  protected connectFailedError(cause: Error): ServerUnavailableError {
    if (this.circuit.state === "open") return this.circuit.unavailableError();
    return new ServerUnavailableError(`Cannot connect to MCP server "${this.name}": ${cause.message}`, { server: this.name, cause });
  }

  /** Can a caller who gives up at `deadline` wait for the open circuit's next attempt? */
  #mayWaitForProbe(deadline: number): boolean {
    return this.#everConnected && deadline >= this.circuit.retryAt;
  }

  /** At the open circuit's next attempt, dispatch: the waiters left get their probe. */
  #scheduleProbe(): void {
    if (this.closed || this.queue.length === 0) return;
    clearTimeout(this.#probeTimer);
    this.#probeTimer = setTimeout(
      () => {
        this.#probeTimer = undefined;
        this.dispatch();
      },
      Math.max(0, this.circuit.retryAt - Date.now()),
    );
  }

  /** A connected client, lent ones first (an idle one may be closing for idleness). */
  #liveMember(): Member | undefined {
    let idle: Member | undefined;
    for (const member of this.table.members()) {
      if (member.state === "lent") return member;
      if (member.state === "idle") idle ??= member;
    }
    return idle;
  }

  #atSessionCap(fairnessKey: string | undefined): boolean {
    if (fairnessKey === undefined) return false;
    return (this.#sessionCalls.get(fairnessKey) ?? 0) >= this.config.maxCallsPerSession;
  }

  /** Lends a slot of `member`, counted against `fairnessKey`'s share of the per-session cap. */
  #makeLease(member: Member, fairnessKey: string | undefined): Lease {
    this.table.lend(member);
    this.onLent(member);
    if (fairnessKey !== undefined) this.#countSession(fairnessKey, 1);
    return new SlotLease(member, fairnessKey, this.table, this.#giveBack, this.#takeSessionReset);
  }

  /** A lease's slot came back (once per lease). */
  readonly #giveBack = (member: Member, fairnessKey: string | undefined): void => {
    const proven = member.served;
    this.table.giveBack(member);
    if (!proven && member.served) this.circuit.recordProven();
    if (fairnessKey !== undefined) this.#countSession(fairnessKey, -1);
    this.onCallEnded(member);
    this.dispatch();
    if (member.inFlight === 0 && member.state === "lent") this.onIdle(member);
  };

  readonly #takeSessionReset = (member: Member): SessionResetReason | undefined => this.takeSessionReset(member);

  /** One call more or fewer for `fairnessKey`; the queue learns whether the key is at its cap now. */
  #countSession(fairnessKey: string, change: 1 | -1): void {
    const calls = (this.#sessionCalls.get(fairnessKey) ?? 0) + change;
    if (calls > 0) this.#sessionCalls.set(fairnessKey, calls);
    else this.#sessionCalls.delete(fairnessKey);
    this.queue.setCapped(fairnessKey, calls >= this.config.maxCallsPerSession);
  }
}

/** One per call: a class (getters on a shared prototype) is cheaper to make than an object literal with getters. */
class SlotLease implements Lease {
  #released = false;

  constructor(
    private readonly member: Member,
    /** Whose share of the per-session cap this slot is. */
    private readonly fairnessKey: string | undefined,
    private readonly table: ConnectionTable,
    private readonly giveBack: (member: Member, fairnessKey: string | undefined) => void,
    private readonly takeReset: (member: Member) => SessionResetReason | undefined,
  ) {}

  get client(): Client {
    return this.member.connection.client;
  }

  get lost(): boolean {
    return this.member.state === "closing" || this.member.state === "closed";
  }

  markLost(reason: string): void {
    this.table.lose(this.member, reason);
  }

  takeSessionReset(): SessionResetReason | undefined {
    return this.takeReset(this.member);
  }

  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.giveBack(this.member, this.fairnessKey);
  }
}

/** Waiters carry a string; "" stands for "no session". */
export function sessionKey(sessionId: string | undefined): string {
  return sessionId ?? "";
}
