/** The open sockets of one server and their sessions: counts, users online, shutdown. */

import type { Session } from "./session.js";
import type { SocketCounts } from "./metrics.js";

export interface OpenSocket {
  session: Session;
  close(code: number, reason: string): void;
}

export class SocketHub {
  readonly #open = new Map<string, OpenSocket>();
  /** Open sockets per fairness key (the user, or an anonymous user's remote address). */
  readonly #perKey = new Map<string, number>();

  get size(): number {
    return this.#open.size;
  }

  /** Open sockets of one fairness key. */
  socketsOf(fairnessKey: string): number {
    return this.#perKey.get(fairnessKey) ?? 0;
  }

  add(socket: OpenSocket): void {
    this.#open.set(socket.session.sessionId, socket);
    const key = socket.session.fairnessKey;
    this.#perKey.set(key, this.socketsOf(key) + 1);
  }

  /** False when the socket was already removed (by closeAll). */
  remove(sessionId: string): boolean {
    const socket = this.#open.get(sessionId);
    if (!socket) return false;
    this.#open.delete(sessionId);
    const key = socket.session.fairnessKey;
    const left = this.socketsOf(key) - 1;
    if (left > 0) this.#perKey.set(key, left);
    else this.#perKey.delete(key);
    return true;
  }

  counts(): SocketCounts {
    const users = new Set<string>();
    let sessions = 0;
    for (const { session } of this.#open.values()) {
      users.add(session.userId);
      if (session.started) sessions += 1;
    }
    return { sockets: this.#open.size, sessions, users: users.size };
  }

  /** New questions are refused from now on; resolves when running turns end or after graceMs. */
  async drain(graceMs: number, message: string): Promise<void> {
    const sessions = [...this.#open.values()].map((s) => s.session);
    for (const session of sessions) session.refuseNewTurns(message);
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
    await Promise.race([Promise.all(sessions.map((s) => s.whenIdle())), grace]);
    clearTimeout(timer);
  }

  /**
   * Cancels what still runs, closes every socket with `code` and forgets them; resolves with their
   * session ids, for the caller to release (their close events come later, if at all).
   */
  async closeAll(code: number, reason: string): Promise<string[]> {
    const sockets = [...this.#open.values()];
    await Promise.all(sockets.map((s) => s.session.cancelAll()));
    for (const socket of sockets) {
      this.remove(socket.session.sessionId);
      socket.close(code, reason);
    }
    return sockets.map((s) => s.session.sessionId);
  }
}
