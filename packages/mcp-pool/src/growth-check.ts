/**
 * Whether a client a shared pool opened for a backlog paid for itself. The
 * pool opens such a client (growth.ts) as a trial, once the backlog has
 * lasted TRIAL_MS and its rate has stopped rising (below): the calls
 * completed per second in the backlog's last
 * TRIAL_MS are compared with those of a window of at least TRIAL_MS that
 * begins once the trial's first calls could have ended (a call's time,
 * from Little's law: calls in flight / completions per second), the backlog
 * still there. If one more of N clients added less than half of what it
 * could (1/N of their rate), the server or the machine is what limits, not
 * the number of clients: another child only costs memory and CPU (on 2
 * cores, one stdio child carried more calls than four). The trial client is
 * then retired (it closes once its calls end) and no other opens for
 * COOLDOWN_MS. A backlog that ended meanwhile says nothing: no verdict, and
 * the client idles out if the load no longer needs it. A client that dies
 * resets all this: its replacement is not growth.
 *
 * After a trial that paid, the next opens as many clients as carry calls at
 * once (doubling), judged the same way against its share of the ideal gain
 * (k more of N clients: k/N): a server whose calls are limited by the
 * clients' slots (a slow tool) reaches maxConnections in a few trials, not
 * one trial per client. A trial that did not pay retires every client it
 * opened, and the next after it opens one.
 *
 * A rate still rising is no level to compare with: a child that has just
 * started answers far fewer calls than it will once warm (its code not yet
 * optimized), and a trial measured against that credits the new client with
 * the warm-up. So a trial waits until the second half of the last TRIAL_MS
 * ended no more calls than RISING times the first half (or too few more to
 * tell).
 */

import type { Member } from "./connection-table.js";

/** The shortest window a trial client is measured over, and the longest backlog before it that is compared. */
export const TRIAL_MS = 1_000;
/** A call's time counted for a trial's window at most (a slower tool is judged on a partial window). */
const MAX_CALL_MS = 30_000;
/** After a trial that did not pay, no client is opened for a backlog for this long. */
export const COOLDOWN_MS = 30_000;
/** The trial pays when the rate grew by at least this share of one more client's ideal gain (1/N). */
const SHARE_OF_IDEAL_GAIN = 0.5;
/** The rate is still rising when the last half of TRIAL_MS ended more than this times the calls of the half before... */
const RISING = 1.1;
/** ...and at least this many more: a few calls more or less say nothing (a slow tool ends a handful a second). */
const RISING_MIN_CALLS = 10;
const BUCKET_MS = 100;
const BUCKETS = TRIAL_MS / BUCKET_MS;
/** The ring holds the current, partly over bucket and the TRIAL_MS of whole buckets before it. */
const RING = BUCKETS + 1;

/** `clients` carried calls when the trial began, and it opened `added` more. */
export type GrowthVerdict =
  | { paid: true; before: number; after: number; clients: number; added: number }
  | { paid: false; before: number; after: number; clients: number; added: number; retire: readonly Member[] }
  | undefined;

interface Trial {
  /** Clients carrying calls when it began. */
  clients: number;
  /** Calls completed per second in the backlog before it. */
  before: number;
  /** How long a call took then (ms), from Little's law; 0 when none completed. */
  callMs: number;
  /** How many clients it opens. */
  expected: number;
  /** The clients it opened that connected. */
  members: Member[];
  /** Its clients are all in (or no more will come): its window is scheduled. */
  scheduled: boolean;
  /** When its last client connected. */
  connectedAt: number;
  /** When the measured window began, and the completions counted by then. */
  windowAt: number;
  completedAtWindow: number;
}

/** When a trial's measured window opens and how long it lasts, in ms from its client's connect. */
export interface TrialTimes {
  windowAfterMs: number;
  windowMs: number;
}

export class GrowthCheck {
  /** Calls completed per BUCKET_MS over the last TRIAL_MS and the current bucket, a ring; #newest is the current bucket's index. */
  readonly #buckets = new Array<number>(RING).fill(0);
  #newest = 0;
  /** Start (epoch ms) of the current bucket. */
  #newestAt = 0;
  #trial: Trial | undefined;
  #coolUntil = 0;
  #completed = 0;
  /** #rising's answer for the current bucket: it reads whole past buckets only, so it holds until the ring moves. */
  #risingAt = -1;
  #risingNow = false;
  /** The last trial paid: the next one doubles the clients carrying calls. */
  #lastPaid = false;

  /** A call (or borrow) ended. */
  completed(now: number): void {
    this.#advance(now);
    this.#buckets[this.#newest]! += 1;
    this.#completed += 1;
  }

  /**
   * May a client be opened for a backlog (that began at `backlogSince`) now: no trial under way, no
   * cooldown after one that did not pay, the backlog has lasted TRIAL_MS, and calls end at a rate that
   * no longer rises (a child still warming up is no rate to compare with: a trial compared with it kept
   * a client that did not pay). A rising rate only postpones the trial (see readyAt).
   */
  mayGrow(now: number, backlogSince: number): boolean {
    return this.#trial === undefined && now >= this.#coolUntil && this.readyAt(now, backlogSince) <= now;
  }

  /**
   * When the rate of a backlog that began at `backlogSince` can be compared with: once it has lasted
   * TRIAL_MS and, while the rate still rises, a bucket later, when it is asked again (the pool sets a
   * timer for it: calls that stop ending would not ask).
   */
  readyAt(now: number, backlogSince: number): number {
    const lasted = backlogSince + TRIAL_MS;
    // Under way or cooling down, no trial begins whatever the rate: nothing to ask again for.
    if (now < lasted || this.#trial !== undefined || now < this.#coolUntil) return lasted;
    return this.#rising(now) ? now + BUCKET_MS : now;
  }

  /**
   * How many clients the next trial may open at once, with `lent` clients carrying calls: as many again
   * after a trial that paid, else one.
   */
  trialSize(lent: number): number {
    return this.#lastPaid ? Math.max(1, lent) : 1;
  }

  /**
   * `count` clients are being opened for a backlog that began at `backlogSince`; `clients` carry
   * `inFlight` calls now.
   */
  begin(now: number, clients: number, inFlight: number, backlogSince: number, count: number): void {
    const before = this.#rate(now, backlogSince);
    const callMs = before > 0 ? Math.min(MAX_CALL_MS, (inFlight / before) * 1000) : 0;
    this.#trial = {
      clients,
      before,
      callMs,
      expected: count,
      members: [],
      scheduled: false,
      connectedAt: 0,
      windowAt: 0,
      completedAtWindow: 0,
    };
  }

  /** Is a trial waiting for its clients to connect? */
  get awaitingClients(): boolean {
    return this.#trial !== undefined && !this.#trial.scheduled;
  }

  /**
   * One of the trial's clients connected. Once all have: when to open its window (openWindow) and to
   * judge it (judge); undefined while others are still connecting.
   */
  connected(member: Member, now: number): TrialTimes | undefined {
    const trial = this.#trial;
    if (!trial || trial.scheduled) return undefined;
    trial.members.push(member);
    trial.connectedAt = now;
    return trial.members.length >= trial.expected ? this.#schedule(trial) : undefined;
  }

  /**
   * The trial's acquisitions have all ended, with fewer clients than it opened (a connect failed, or an
   * idle client served one): it goes on with those that connected, or ends with none.
   */
  noMoreClients(): TrialTimes | undefined {
    const trial = this.#trial;
    if (!trial || trial.scheduled) return undefined;
    if (trial.members.length === 0) {
      this.abandon();
      return undefined;
    }
    return this.#schedule(trial);
  }

  #schedule(trial: Trial): TrialTimes {
    trial.scheduled = true;
    const callMs = Math.ceil(trial.callMs);
    return { windowAfterMs: callMs, windowMs: Math.max(TRIAL_MS, callMs) };
  }

  /** The trial's clients' first calls could have ended: the measured window begins. */
  openWindow(now: number): void {
    const trial = this.#trial;
    if (!trial?.scheduled) return;
    trial.windowAt = now;
    trial.completedAtWindow = this.#completed;
  }

  /** The trial's connects failed or the pool is closing: no trial, and the next opens one client. */
  abandon(): void {
    this.#trial = undefined;
    this.#lastPaid = false;
  }

  /**
   * A client died: what was measured no longer holds, and its replacement
   * must not wait for a trial or a cooldown. No trial, no cooldown.
   */
  reset(): void {
    this.#trial = undefined;
    this.#coolUntil = 0;
    this.#lastPaid = false;
  }

  /**
   * The trial's verdict at the end of its window: undefined when the backlog
   * did not last through it (or one of its clients is gone or idle).
   */
  judge(now: number, backlogSince: number | undefined): GrowthVerdict {
    const trial = this.#trial;
    this.#trial = undefined;
    this.#lastPaid = false;
    if (!trial || trial.windowAt === 0 || trial.members.length === 0) return undefined;
    if (trial.members.some((member) => member.state !== "lent")) return undefined;
    if (backlogSince === undefined || backlogSince > trial.connectedAt) return undefined;
    const after = ((this.#completed - trial.completedAtWindow) * 1000) / Math.max(1, now - trial.windowAt);
    const added = trial.members.length;
    const needed = trial.before * (1 + (SHARE_OF_IDEAL_GAIN * added) / trial.clients);
    const measured = { before: Math.round(trial.before), after: Math.round(after), clients: trial.clients, added };
    if (after >= needed) {
      this.#lastPaid = true;
      return { paid: true, ...measured };
    }
    this.#coolUntil = now + COOLDOWN_MS;
    return { paid: false, ...measured, retire: trial.members };
  }

  /** Completions per second since `from` (at most the last TRIAL_MS), counted by whole buckets. */
  #rate(now: number, from: number): number {
    this.#advance(now);
    const span = Math.min(Math.max(now - from, BUCKET_MS), TRIAL_MS);
    const buckets = Math.min(BUCKETS, Math.ceil(span / BUCKET_MS));
    let completed = 0;
    for (let i = 0; i < buckets; i += 1) completed += this.#bucket(i);
    // The newest bucket is partly over: the time counted ends now.
    const elapsed = (buckets - 1) * BUCKET_MS + Math.max(1, now - this.#newestAt);
    return (completed * 1000) / elapsed;
  }

  /** Did the whole buckets of the last TRIAL_MS end clearly more calls in their second half than in their first? */
  #rising(now: number): boolean {
    this.#advance(now);
    // Asked on every call's end under a backlog: counted once per bucket.
    if (this.#risingAt === this.#newestAt) return this.#risingNow;
    const half = BUCKETS / 2;
    let first = 0;
    let second = 0;
    for (let i = 1; i <= half; i += 1) second += this.#bucket(i);
    for (let i = half + 1; i <= BUCKETS; i += 1) first += this.#bucket(i);
    this.#risingAt = this.#newestAt;
    this.#risingNow = second > first * RISING && second - first >= RISING_MIN_CALLS;
    return this.#risingNow;
  }

  /** The calls of the bucket `age` buckets before the current one (0: the current). */
  #bucket(age: number): number {
    return this.#buckets[(this.#newest - age + RING) % RING]!;
  }

  /** Moves the ring to the bucket of `now`, emptying the buckets passed. */
  #advance(now: number): void {
    const at = now - (now % BUCKET_MS);
    if (at === this.#newestAt) return;
    const steps = Math.min(RING, Math.max(0, (at - this.#newestAt) / BUCKET_MS));
    for (let i = 0; i < steps; i += 1) {
      this.#newest = (this.#newest + 1) % RING;
      this.#buckets[this.#newest] = 0;
    }
    this.#newestAt = at;
  }
}
