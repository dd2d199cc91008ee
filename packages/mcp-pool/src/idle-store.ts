/**
 * A shared pool's idle clients, kept by generic-pool: it validates one before
 * lending it again (ping after `validateAfterIdleMs`), closes those idle past
 * `idleTimeoutMs` (above `minConnections`), keeps `minConnections` open after
 * start(), and creates a client when none is idle. This adapter is the only
 * code that talks to generic-pool; what generic-pool must know (which clients
 * it holds, which are borrowed) lives here, the lease state in connection-table.ts.
 *
 * generic-pool retries a rejecting `create` in a tight loop, so our create
 * never rejects: a failed connect comes back as a slot without a member, which
 * acquire() hands to its caller as the failed outcome.
 */

import genericPool from "generic-pool";
import type { Pool } from "generic-pool";
import type { Member, OpenOutcome } from "./connection-table.js";

export interface IdleStoreHooks {
  /** Opens a new client (the circuit and the table are the caller's business). */
  open(): Promise<OpenOutcome>;
  /** May this idle member be lent again? False closes it. */
  validate(member: Member): Promise<boolean>;
  /** generic-pool dropped the member (idle too long, failed validation, cleared): close it. */
  close(member: Member, reason: string): Promise<void>;
}

export interface IdleStoreOptions {
  min: number;
  max: number;
  idleTimeoutMs: number;
}

/** What generic-pool holds: a member, or the outcome of a connect that failed. */
interface Slot {
  outcome: OpenOutcome;
  /** Why generic-pool should drop it, when we know better than its eviction. */
  dropReason: string | undefined;
}

export class IdleStore {
  readonly #pool: Pool<Slot>;
  readonly #slots = new Map<Member, Slot>();
  /** Failed connects generic-pool holds as available until it hands them to their acquire(): no idle client. */
  readonly #failedUnclaimed = new Set<Slot>();
  #pending = 0;

  constructor(
    private readonly hooks: IdleStoreHooks,
    options: IdleStoreOptions,
  ) {
    this.#pool = genericPool.createPool<Slot>(
      {
        create: async () => {
          const slot: Slot = { outcome: await hooks.open(), dropReason: undefined };
          if (slot.outcome.ok) this.#slots.set(slot.outcome.member, slot);
          else this.#failedUnclaimed.add(slot);
          return slot;
        },
        destroy: async (slot) => {
          if (!slot.outcome.ok) {
            this.#failedUnclaimed.delete(slot);
            return;
          }
          this.#slots.delete(slot.outcome.member);
          await hooks.close(slot.outcome.member, slot.dropReason ?? "idle");
        },
        // A failed connect must reach acquire()'s caller: were it invalid here,
        // generic-pool would destroy it and create again, in a loop.
        validate: async (slot) => !slot.outcome.ok || (slot.dropReason === undefined && (await this.#validate(slot))),
      },
      {
        max: options.max,
        min: options.min,
        // The pool asks only when below max, so generic-pool never queues: the wait bound is the pool's.
        maxWaitingClients: options.max,
        testOnBorrow: true,
        autostart: false,
        // Most recently used first: the others idle out.
        fifo: false,
        softIdleTimeoutMillis: options.idleTimeoutMs,
        idleTimeoutMillis: Number.MAX_SAFE_INTEGER,
        evictionRunIntervalMillis: Math.max(100, Math.min(options.idleTimeoutMs / 2, 10_000)),
        numTestsPerEvictionRun: options.max,
      },
    );
  }

  /** Acquisitions in progress (validating an idle client or connecting a new one). */
  get pending(): number {
    return this.#pending;
  }

  /**
   * Idle clients generic-pool could hand out at once (after validation). A failed connect waits among
   * them until generic-pool hands it to its acquire(); counted, it would send another acquire after it,
   * for which generic-pool then connects again unasked. (While generic-pool checks it, it is not among
   * them: never below 0.)
   */
  get idle(): number {
    return Math.max(0, this.#pool.available - this.#failedUnclaimed.size);
  }

  /** An idle client (validated), else a new one. Never rejects for a failed connect: see OpenOutcome. */
  async acquire(): Promise<OpenOutcome> {
    this.#pending += 1;
    try {
      const slot = await this.#pool.acquire();
      if (!slot.outcome.ok) {
        this.#failedUnclaimed.delete(slot);
        void this.#pool.destroy(slot).catch(() => undefined);
      }
      return slot.outcome;
    } finally {
      this.#pending -= 1;
    }
  }

  /** The member is idle: keep it for the next acquire(). */
  putBack(member: Member): void {
    const slot = this.#slots.get(member);
    if (slot) void this.#pool.release(slot).catch(() => undefined);
  }

  /** The member is closing for another reason (it died): generic-pool must not lend it again. */
  forget(member: Member, reason: string): void {
    const slot = this.#slots.get(member);
    if (!slot) return;
    slot.dropReason = reason;
    // Borrowed: destroy now. Idle inside generic-pool: validation or eviction drops it.
    if (this.#pool.isBorrowedResource(slot)) void this.#pool.destroy(slot).catch(() => undefined);
  }

  /** Opens `min` clients and resolves once they are idle. */
  async start(): Promise<void> {
    this.#pool.start();
    await this.#pool.ready();
  }

  /** Stops creating; resolves once generic-pool has let go of every client. */
  async drain(): Promise<void> {
    for (const slot of this.#slots.values()) {
      if (this.#pool.isBorrowedResource(slot)) void this.#pool.destroy(slot).catch(() => undefined);
    }
    await this.#pool.drain();
    await this.#pool.clear();
  }

  async #validate(slot: Slot): Promise<boolean> {
    if (!slot.outcome.ok) return true;
    const valid = await this.hooks.validate(slot.outcome.member);
    if (!valid) slot.dropReason ??= "failed its ping after idle";
    return valid;
  }
}
