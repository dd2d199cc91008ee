/**
 * The one owner of the lease state of one server's connections. Every other
 * module reads a connection's state here and changes it only through these
 * transitions; stats() counts come from here.
 *
 *                 ┌──────────── lend / giveBack (inFlight n ≥ 0) ─────────────┐
 *                 ▼                                                           │
 *   connecting ──ok──▶ lent(n) ──shelve (n = 0)──▶ idle ──unshelve──▶ lent(0) ─┘
 *       │                 │                          │
 *       │                 └──retire──▶ retiring(n) ──n = 0───┐
 *       │ failed / cut short                                 ▼
 *       └────────────────────────────────────────────▶ closing ──exit confirmed──▶ closed
 *                        lose (died) / close: any state ──▲
 *
 * `lent` means "in use by the pool": a shared pool lends it to any caller, a
 * per-session pool to its session; `idle` means "shelved" (a shared pool's
 * idle clients, which generic-pool keeps; see idle-store.ts). A shared pool's
 * new client goes from connecting straight to idle: generic-pool hands it over. A member stays
 * in the table, and counts as a live child, until its close is confirmed.
 */

import type { ConnectionFactory, PoolConnection } from "./connection-factory.js";
import type { ServerConfig } from "./types.js";

export type LeaseState = "connecting" | "lent" | "idle" | "retiring" | "closing" | "closed";

/** One connection as its pool sees it. Read-only outside this module. */
export interface Member {
  readonly connection: PoolConnection;
  /** The session a per-session member serves; undefined in a shared pool. */
  readonly sessionId: string | undefined;
  readonly state: LeaseState;
  /** Calls (and withClient borrows) in flight on it. */
  readonly inFlight: number;
  /** Epoch ms when it connected or its last call ended. */
  readonly lastUsedAt: number;
  /** It connected once (so its end is a "client destroyed"). */
  readonly opened: boolean;
  /** A call on it ended while it was alive: the server answered through it. */
  readonly served: boolean;
  /** Why it is closing or closed. */
  readonly closeReason: string | undefined;
}

/**
 * The outcome of open(): connected, failed, or cut short by a close meanwhile
 * (no verdict on the server; `member` is absent when nothing was even started).
 */
export type OpenOutcome = { ok: true; member: Member } | { ok: false; member?: Member; error: Error; cutShort: boolean };

export interface TableListener {
  /** A member that was open ended by itself (or a call proved it dead); it is closing now. */
  lost(member: Member, reason: string): void;
  /** A member's close is confirmed: one fewer live child. */
  closed(member: Member): void;
  toolsChanged(member: Member): void;
  warning(message: string, error?: unknown): void;
  debug(message: string, detail: string): void;
}

export interface TableCounts {
  /** connecting + lent + idle + retiring: what stats() calls open clients. */
  open: number;
  /** Idle clients: shelved, or lent with no call in flight. */
  idle: number;
  connecting: number;
  /** Every member not yet closed, closing ones included: children that may still be alive. */
  live: number;
  /** Members indexed by session (per-session pools). */
  sessions: number;
  inFlight: number;
  created: number;
  destroyed: number;
}

interface Entry extends Member {
  state: LeaseState;
  inFlight: number;
  lastUsedAt: number;
  opened: boolean;
  served: boolean;
  closeReason: string | undefined;
  closing: Promise<void> | undefined;
}

export class ConnectionTable {
  readonly #members = new Set<Entry>();
  /** The current member of each session (connecting, lent or idle); per-session pools only. */
  readonly #bySession = new Map<string, Entry>();
  #inFlight = 0;
  #created = 0;
  #destroyed = 0;

  constructor(
    private readonly server: ServerConfig,
    private readonly factory: ConnectionFactory,
    private readonly listener: TableListener,
  ) {}

  /**
   * Makes a connection (for a session, in per-session pools) and connects it;
   * on success it is `lent` with no call (`idle` with `idle`). `placeholderId` is the id the factory
   * fills `${session.id}` with: a member that serves no session (a per-session
   * server's catalog read) still needs one, and is not indexed by it.
   */
  async open(sessionId?: string, placeholderId = sessionId, idle = false): Promise<OpenOutcome> {
    let member: Entry | undefined;
    const connection = this.factory({
      server: this.server,
      sessionId: placeholderId,
      events: {
        onClosed: (reason) => member && this.lose(member, reason),
        onToolsChanged: () => member && isLive(member) && this.listener.toolsChanged(member),
        onWarning: (message) => this.listener.warning(`client ${connection.id}: ${message}`),
        onDebug: (message, detail) => this.listener.debug(`client ${connection.id}: ${message}`, detail),
      },
    });
    member = {
      connection,
      sessionId,
      state: "connecting",
      inFlight: 0,
      lastUsedAt: Date.now(),
      opened: false,
      served: false,
      closeReason: undefined,
      closing: undefined,
    };
    this.#members.add(member);
    if (sessionId !== undefined) this.#bySession.set(sessionId, member);
    try {
      await connection.connect();
    } catch (error) {
      const cutShort = member.state !== "connecting";
      void this.close(member, "connect failed");
      return { ok: false, member, error: error instanceof Error ? error : new Error(String(error)), cutShort };
    }
    if (member.state !== "connecting") {
      // Closed while connecting, and the connection connected anyway: the close in progress ends it.
      return { ok: false, member, error: new Error(`closed while connecting (${member.closeReason})`), cutShort: true };
    }
    member.state = idle ? "idle" : "lent";
    member.opened = true;
    member.lastUsedAt = Date.now();
    this.#created += 1;
    return { ok: true, member };
  }

  /** One more call on a lent member. */
  lend(member: Member): void {
    const record = member as Entry;
    if (record.state !== "lent") throw new Error(`cannot lend a ${record.state} client`);
    record.inFlight += 1;
    this.#inFlight += 1;
  }

  /** A call on it ended. A retiring member closes with its last call. */
  giveBack(member: Member): void {
    const record = member as Entry;
    record.inFlight -= 1;
    this.#inFlight -= 1;
    record.lastUsedAt = Date.now();
    if (isLive(record)) record.served = true;
    if (record.state === "retiring" && record.inFlight === 0) void this.close(record, record.closeReason ?? "retired");
  }

  /** A lent member with no call goes idle (a shared pool hands it to its idle store). */
  shelve(member: Member): void {
    const record = member as Entry;
    if (record.state === "lent" && record.inFlight === 0) record.state = "idle";
  }

  /** An idle member is lent again. */
  unshelve(member: Member): void {
    const record = member as Entry;
    if (record.state === "idle") record.state = "lent";
  }

  /** No new calls; it closes once its calls in flight end (now, if none). */
  retire(member: Member, reason: string): void {
    const record = member as Entry;
    this.#unindex(record);
    if (record.state === "closing" || record.state === "closed" || record.state === "retiring") return;
    if (record.inFlight > 0 && (record.state === "lent" || record.state === "idle")) {
      record.state = "retiring";
      record.closeReason = reason;
      return;
    }
    void this.close(record, reason);
  }

  /**
   * The connection is gone (it closed by itself, or a call proved it dead):
   * close it, lend it no more. Its close reason is "connection lost"; `reason`
   * (the detail) goes to the listener.
   */
  lose(member: Member, reason: string): void {
    const record = member as Entry;
    if (record.state === "connecting" || record.state === "closing" || record.state === "closed") return;
    void this.close(record, "connection lost");
    this.listener.lost(record, reason);
  }

  /** Closes it now, whatever its calls; resolves once its close is confirmed. */
  close(member: Member, reason: string): Promise<void> {
    const record = member as Entry;
    if (record.closing) return record.closing;
    this.#unindex(record);
    record.state = "closing";
    record.closeReason ??= reason;
    record.closing = record.connection
      .close()
      .catch((error: unknown) => this.listener.warning(`closing client ${record.connection.id} failed`, error))
      .finally(() => {
        record.state = "closed";
        this.#members.delete(record);
        if (record.opened) this.#destroyed += 1;
        this.listener.closed(record);
      });
    return record.closing;
  }

  /** Closes every member; resolves once every close (earlier ones too) is confirmed. */
  async closeAll(reason: string): Promise<void> {
    await Promise.all([...this.#members].map((member) => this.close(member, reason)));
  }

  /** Members not yet closed, closing ones included: children that may still be alive. */
  get live(): number {
    return this.#members.size;
  }

  /** Every member not yet closed, in creation order. */
  members(): IterableIterator<Member> {
    return this.#members.values();
  }

  /** The session's current member (connecting, lent or idle), if any. */
  ofSession(sessionId: string): Member | undefined {
    return this.#bySession.get(sessionId);
  }

  counts(): TableCounts {
    let open = 0;
    let idle = 0;
    let connecting = 0;
    for (const member of this.#members) {
      if (member.state === "closing") continue;
      open += 1;
      if (member.state === "connecting") connecting += 1;
      else if (member.state === "idle" || (member.state === "lent" && member.inFlight === 0)) idle += 1;
    }
    return {
      open,
      idle,
      connecting,
      live: this.#members.size,
      sessions: this.#bySession.size,
      inFlight: this.#inFlight,
      created: this.#created,
      destroyed: this.#destroyed,
    };
  }

  #unindex(record: Entry): void {
    if (record.sessionId !== undefined && this.#bySession.get(record.sessionId) === record) this.#bySession.delete(record.sessionId);
  }
}

function isLive(member: Member): boolean {
  return member.state !== "closing" && member.state !== "closed";
}
