/**
 * `sharing: "shared"`: up to `maxConnections` clients serve every session,
 * each carrying up to `maxCallsPerConnection` calls at once.
 *
 * Calls go to the busiest lent client with a free slot, so that a client opened
 * for a burst gets no calls once the load fits on fewer, idles, and is closed
 * after `idleTimeoutMs`. When waiters remain that no lent
 * client can take, the growth policy says how many clients to acquire from
 * the idle store (an idle one, else a new connect, which asks the circuit
 * first); a new connect waits for measured queueing (growth.ts), so while
 * waiters remain the pool looks again when the oldest reaches `growAfterWaitMs`. A client with no call left is shelved in the idle store one
 * event-loop turn later, so a sequential caller's next call reuses it at once.
 */

import type { Member, OpenOutcome } from "./connection-table.js";
import { COOLDOWN_MS, GrowthCheck, type TrialTimes } from "./growth-check.js";
import { growWhenWaitersAge, type GrowthPolicy } from "./growth.js";
import { IdleStore } from "./idle-store.js";
import { ServerPool, type PoolDeps } from "./server-pool.js";
import type { ServerConfig } from "./types.js";

/** A ping gets the server's call timeout, but never more than this. */
const MAX_PING_TIMEOUT_MS = 5_000;

export interface SharedPoolDeps extends PoolDeps {
  growth?: GrowthPolicy;
}

export class SharedPool extends ServerPool {
  readonly #store: IdleStore;
  readonly #growth: GrowthPolicy;
  #shelveScheduled = false;
  /** New connects the circuit granted to grow() that generic-pool has not started yet. */
  #connectsGranted = 0;
  /** Dispatches again when the oldest waiter reaches growAfterWaitMs (it may need another client then). */
  #growthTimer: NodeJS.Timeout | undefined;
  /** Did the last client opened for a backlog pay for itself (growth-check.ts)? Checked when growth waits for a backlog. */
  readonly #growthCheck = new GrowthCheck();
  readonly #checksGrowth: boolean;
  /** Opens the trial client's measured window, then judges it at its end. */
  #judgeTimer: NodeJS.Timeout | undefined;

  constructor(config: ServerConfig, deps: SharedPoolDeps) {
    super(config, deps);
    this.#growth = deps.growth ?? growWhenWaitersAge;
    const { pool } = config;
    // With growAfterWaitMs 0 a client opens for every maxCallsPerConnection waiters at once, unchecked.
    this.#checksGrowth = pool.maxConnections > 1 && pool.growAfterWaitMs > 0;
    this.#store = new IdleStore(
      {
        open: () => this.#open(),
        validate: (member) => this.#validate(member),
        close: (member, reason) => this.table.close(member, reason),
      },
      { min: pool.minConnections, max: pool.maxConnections, idleTimeoutMs: pool.idleTimeoutMs },
    );
  }

  async warmUp(): Promise<void> {
    if (this.config.pool.minConnections === 0 || this.closed) return;
    await this.#store.start();
  }

  async releaseSession(): Promise<void> {
    // Shared clients belong to no session; the per-session counters clear as calls end.
  }

  /** The busiest lent client with a free slot: a client the load no longer needs gets no calls, idles and closes. */
  protected findMember(): Member | undefined {
    let best: Member | undefined;
    for (const member of this.table.members()) {
      if (member.state !== "lent" || member.inFlight >= this.config.pool.maxCallsPerConnection) continue;
      if (!best || member.inFlight > best.inFlight) best = member;
    }
    return best;
  }

  protected hasUsableMember(): boolean {
    for (const member of this.table.members()) if (member.state === "lent" || member.state === "idle") return true;
    return false;
  }

  protected async probeByConnecting(signal: AbortSignal, waitMs: number): Promise<void> {
    const lease = await this.lease(undefined, signal, undefined, { timeoutMs: waitMs, waitsForProbe: false });
    try {
      await lease.client.ping({ signal });
    } finally {
      lease.release();
    }
  }

  protected grow(): void {
    const { maxConnections, maxCallsPerConnection, growAfterWaitMs } = this.config.pool;
    const idle = this.#store.idle;
    const pending = this.#store.pending;
    const oldest = this.queue.oldestEnqueuedAt;
    const now = Date.now();
    const lent = this.#lentCount();
    // A new client beside clients carrying calls is a trial: one at a time (of one client, or as many as
    // carry calls after one that paid), once the backlog has lasted long enough to be compared with, none
    // in a cooldown after one that did not pay.
    const trial = this.#checksGrowth && lent > 0;
    const wanted = this.#growth({
      waiting: this.queue.length,
      oldestWaitMs: oldest === undefined ? 0 : now - oldest,
      lent,
      pending,
      idle,
      maxConnections,
      maxCallsPerConnection,
      growAfterWaitMs,
      connectsAtOnce: trial ? this.#growthCheck.trialSize(lent) : 1,
    });
    // Idle clients cost no new child; new ones only fit while live children (closing ones too) are under max.
    const acquires = Math.min(wanted, idle + Math.max(0, maxConnections - this.table.live));
    const backlogSince = this.queue.busySince ?? now;
    // Taking an idle client connects nothing: only new clients ask the circuit (and a probe must connect).
    const fromIdle = Math.min(acquires, idle);
    for (let i = 0; i < fromIdle; i += 1) this.#acquire();
    const connects = acquires - fromIdle;
    if (connects > 0 && (!trial || this.#growthCheck.mayGrow(now, backlogSince))) {
      const inFlight = this.table.counts().inFlight;
      let granted = 0;
      while (granted < connects && this.circuit.tryAcquireAttempt(now)) {
        granted += 1;
        this.#connectsGranted += 1;
        this.#acquire();
      }
      if (trial && granted > 0) this.#growthCheck.begin(now, lent, inFlight, backlogSince, granted);
    }
    // The same `now` as the refusal above: read again, the clock may have passed the next attempt, and the
    // waiters would get no probe at all (a timer can fire a millisecond before Date.now() reaches it).
    if (this.#store.pending === 0 && !this.#hasLent() && this.circuit.isOpen(now)) this.failUnservable(undefined);
    // Past the threshold already, a connect under way or a client closing dispatches again when it ends.
    // A trial also waits for the backlog's age and a rate no longer rising: calls that never end would
    // dispatch nothing meanwhile.
    const ready = trial ? this.#growthCheck.readyAt(now, backlogSince) : 0;
    const dueAt = oldest === undefined ? undefined : Math.max(oldest + growAfterWaitMs, ready);
    if (dueAt !== undefined && dueAt > now && this.#growthTimer === undefined && this.table.live < maxConnections) {
      this.#growthTimer = setTimeout(() => {
        this.#growthTimer = undefined;
        this.dispatch();
      }, dueAt - now);
    }
  }

  protected onIdle(): void {
    if (this.#shelveScheduled) return;
    this.#shelveScheduled = true;
    setImmediate(() => {
      this.#shelveScheduled = false;
      if (this.closed) return;
      for (const member of this.table.members()) {
        if (member.state !== "lent" || member.inFlight > 0) continue;
        this.table.shelve(member);
        this.#store.putBack(member);
      }
    });
  }

  protected override onLost(member: Member, reason: string): void {
    this.#store.forget(member, reason);
    // Its replacement is not growth: no trial or cooldown holds it back.
    clearTimeout(this.#judgeTimer);
    this.#judgeTimer = undefined;
    this.#growthCheck.reset();
  }

  /** A client closed by the table (retired after a trial, say) is one generic-pool must let go of too. */
  protected override onClosed(member: Member): void {
    this.#store.forget(member, member.closeReason ?? "closed");
  }

  protected override onCallEnded(member: Member): void {
    // The time the table just stamped it with: no second clock read per call.
    if (this.#checksGrowth) this.#growthCheck.completed(member.lastUsedAt);
  }

  protected async closeConnections(): Promise<void> {
    clearTimeout(this.#growthTimer);
    clearTimeout(this.#judgeTimer);
    this.#growthCheck.abandon();
    // Every client first, connecting ones included: drain() waits for pending
    // creates, which would otherwise last until connectTimeoutMs.
    await Promise.all([this.table.closeAll("manager closed"), this.#store.drain()]);
    // Anything generic-pool created meanwhile is closed here.
    await this.table.closeAll("manager closed");
  }

  #acquire(): void {
    this.#store.acquire().then(
      (outcome) => this.#onAcquired(outcome),
      (error: unknown) => {
        if (!this.closed) this.hooks.onWarning(this.name, "acquiring a client failed", error);
        this.#trialShortOfClients();
        this.dispatch();
      },
    );
  }

  /**
   * A trial whose acquisitions all ended with fewer new clients than it opened (an idle one served one,
   * or a connect failed) goes on with those it has, or is no trial with none.
   */
  #trialShortOfClients(): void {
    if (!this.#growthCheck.awaitingClients || this.#store.pending > 0) return;
    const times = this.#growthCheck.noMoreClients();
    if (times) this.#scheduleJudgement(times);
  }

  /** Opens the trial's measured window once its clients' first calls could have ended, and judges it at its end. */
  #scheduleJudgement({ windowAfterMs, windowMs }: TrialTimes): void {
    clearTimeout(this.#judgeTimer);
    this.#judgeTimer = setTimeout(() => {
      this.#growthCheck.openWindow(Date.now());
      this.#judgeTimer = setTimeout(() => this.#judgeGrowth(), windowMs);
    }, windowAfterMs);
  }

  /** At the end of the trial's window: keep its clients, or retire them and open no other for a while. */
  #judgeGrowth(): void {
    this.#judgeTimer = undefined;
    if (this.closed) return;
    const verdict = this.#growthCheck.judge(Date.now(), this.queue.busySince);
    if (verdict) {
      const { before, after, clients, added } = verdict;
      const measured = `${before} -> ${after} calls/s with ${clients} -> ${clients + added} clients under a backlog`;
      const opened = added === 1 ? "a client opened for a backlog" : `${added} clients opened for a backlog`;
      if (verdict.paid) {
        this.hooks.onDebug(this.name, `${opened} raised throughput`, measured);
      } else {
        const closes = added === 1 ? "it closes once its calls end" : "they close once their calls end";
        this.hooks.onWarning(
          this.name,
          `${opened} did not raise throughput (${measured}): ${closes}, ` +
            `and no other opens for a backlog for ${COOLDOWN_MS / 1000} s (the server or the machine is at its limit)`,
        );
        for (const member of verdict.retire) this.table.retire(member, "growth did not pay");
      }
    }
    // The trial is over: waiters who still need a client may get the next one now.
    this.dispatch();
  }

  #onAcquired(outcome: OpenOutcome): void {
    this.#trialShortOfClients();
    if (!outcome.ok) {
      if (!this.closed && this.#store.pending === 0 && !this.#hasLent()) this.failUnservable(outcome.error);
      this.dispatch();
      return;
    }
    const { member } = outcome;
    if (this.closed) {
      this.#store.forget(member, "manager closed");
      return;
    }
    this.table.unshelve(member);
    this.dispatch();
    if (member.inFlight === 0) this.onIdle();
  }

  /** generic-pool's create: a new client, shelved (generic-pool lends it next, or keeps it for `min`). */
  async #open(): Promise<OpenOutcome> {
    // generic-pool still creates while draining (to replace a client failing validation): no new child then.
    if (this.closed) return { ok: false, error: new Error("the pool is closed"), cutShort: true };
    // generic-pool also creates for an acquire that expected an idle client someone else took: that
    // connect has not been granted, so it asks the circuit now (an open one refuses it).
    if (this.#connectsGranted > 0) this.#connectsGranted -= 1;
    else if (!this.circuit.tryAcquireAttempt()) return { ok: false, error: this.circuit.unavailableError(), cutShort: true };
    // It also replaces a client that failed validation at once, while that one is still closing: not beside
    // it at maxConnections. The failed one's end dispatches again, and the waiter gets a client then.
    if (this.table.live >= this.config.pool.maxConnections) {
      this.circuit.abandonAttempt();
      return { ok: false, error: new Error("at maxConnections while a client closes"), cutShort: true };
    }
    // Idle from its connect on: were it lent, a call could reach it before generic-pool hands it over, and
    // generic-pool, finding it not idle, would drop it and connect again for its acquire.
    const outcome = await this.openMember(undefined, undefined, true);
    if (outcome.ok && this.#growthCheck.awaitingClients && !this.closed) {
      const times = this.#growthCheck.connected(outcome.member, Date.now());
      if (times) this.#scheduleJudgement(times);
    }
    return outcome;
  }

  async #validate(member: Member): Promise<boolean> {
    // Once closing, an invalid one would be replaced by a new connect: lend it, the acquirer lets it go.
    if (this.closed) return true;
    if (member.state !== "idle") return false;
    if (Date.now() - member.lastUsedAt < this.config.pool.validateAfterIdleMs) return true;
    try {
      await member.connection.client.ping({ timeout: Math.min(this.config.callTimeoutMs, MAX_PING_TIMEOUT_MS) });
      return true;
    } catch (error) {
      this.hooks.onWarning(this.name, `client ${member.connection.id} failed its ping after idle`, error);
      return false;
    }
  }

  #hasLent(): boolean {
    for (const member of this.table.members()) if (member.state === "lent") return true;
    return false;
  }

  #lentCount(): number {
    let count = 0;
    for (const member of this.table.members()) if (member.state === "lent") count += 1;
    return count;
  }
}
