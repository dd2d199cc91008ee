/**
 * Which sessions of a per-session server lost their client's state, so that
 * the loss is never silent: a session whose client idled out or died after
 * carrying its calls is remembered until its next client opens; that client
 * then carries the reason until the session's next answer takes it. A client
 * that carried no call (only a catalog read) held no state to lose. A released
 * session is forgotten: it ended on purpose.
 */

import type { Member } from "./connection-table.js";
import type { SessionResetReason } from "./types.js";

/**
 * Sessions remembered per server whose client ended and that have not called
 * since. The oldest are forgotten beyond this, so sessions that never come back
 * (and are never released) cost a bounded amount of memory.
 */
const MAX_REMEMBERED = 10_000;

export class SessionResets {
  /** Session key → why its last client ended; insertion order is age. */
  readonly #ended = new Map<string, SessionResetReason>();
  /** A session's new client → why its previous one ended, until an answer takes it. */
  readonly #pending = new WeakMap<Member, SessionResetReason>();
  /** Clients that carried a call or a withClient borrow of their session. */
  readonly #used = new WeakSet<Member>();

  /** The member was lent for a call of its session. */
  used(member: Member): void {
    this.#used.add(member);
  }

  /** The member ended (idled out, died) without its session being released. */
  ended(member: Member, reason: SessionResetReason): void {
    const session = member.sessionId;
    if (session === undefined) return;
    if (!this.#used.has(member)) {
      // It held no state of its own, but a reset it carried must still reach the session.
      const carried = this.#pending.get(member);
      if (carried !== undefined) this.#remember(session, carried);
      return;
    }
    this.#remember(session, reason);
  }

  #remember(session: string, reason: SessionResetReason): void {
    this.#ended.delete(session);
    this.#ended.set(session, reason);
    if (this.#ended.size > MAX_REMEMBERED) {
      const oldest = this.#ended.keys().next();
      if (!oldest.done) this.#ended.delete(oldest.value);
    }
  }

  /** A new client opened for the member's session: it carries the reset, if the session had one. */
  opened(member: Member): void {
    if (member.sessionId === undefined) return;
    const reason = this.#ended.get(member.sessionId);
    if (reason === undefined) return;
    this.#ended.delete(member.sessionId);
    this.#pending.set(member, reason);
  }

  /** Why the member's session was reset, once: the first answer through it says so. */
  take(member: Member): SessionResetReason | undefined {
    const reason = this.#pending.get(member);
    this.#pending.delete(member);
    return reason;
  }

  /** The session was released: whatever happens next is a new session. */
  forget(session: string): void {
    this.#ended.delete(session);
  }
}
