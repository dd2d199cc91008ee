/** The open sockets of one server and their sessions: counts, users online, shutdown. */

import type { Session } from "./session.js";
import type { SocketCounts } from "./metrics.js";

export interface OpenSocket {
  session: Session;
  close(code: number, reason: string): void;
}

export class SocketHub {
  readonly #open = new Map<string, OpenSocket>();

  get size(): number {
    return this.#open.size;
  }

  add(socket: OpenSocket): void {
    this.#open.set(socket.session.sessionId, socket);
  }

  remove(sessionId: string): void {
    this.#open.delete(sessionId);
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

  /** Cancels what still runs and closes every socket with `code`. */
  async closeAll(code: number, reason: string): Promise<void> {
    const sockets = [...this.#open.values()];
    await Promise.all(sockets.map((s) => s.session.cancelAll()));
    for (const socket of sockets) socket.close(code, reason);
  }
}
