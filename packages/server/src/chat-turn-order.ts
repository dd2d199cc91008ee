/**
 * Turn order per (owner, chat): at most one turn of a chat runs at a time, in
 * arrival order, whichever socket asked, with a bounded line waiting behind it.
 * An interface, because with several instances the order must hold across
 * them (a shared implementation); InMemoryChatTurnOrder serves one process.
 */

import type { TurnFence } from "@mcp-pool/agent";

/** What a running turn is given. */
export interface OrderedTurn {
  /**
   * Aborts when the caller's signal does, or when the order can no longer
   * promise this turn is alone in its chat (a shared order that lost its
   * lock): the turn must then stop, and write nothing more.
   */
  readonly signal: AbortSignal;
  /** The turn's hold on its chat, from a shared order: the turn's writes carry it so the store can refuse them once it is lost. */
  readonly fence?: TurnFence;
}

export interface ChatTurnOrderRunOptions {
  /** Cancels the turn: waiting, it leaves the line (TurnNotStartedError); running, its OrderedTurn signal aborts. */
  signal: AbortSignal;
  /** Called once the turn has its place in line, so the caller can admit its next turn behind it. */
  onQueued?: () => void;
}

export interface ChatTurnOrder {
  /**
   * Runs `fn` once every earlier turn of (owner, chatId) has ended and
   * resolves with its result. Rejects with ChatBusyError when the line is
   * full, TurnNotStartedError when the signal fires before `fn` starts.
   */
  run<T>(owner: string, chatId: string, fn: (turn: OrderedTurn) => Promise<T>, options: ChatTurnOrderRunOptions): Promise<T>;
}

/** The chat already has `maxQueued` turns waiting behind the running one. */
export class ChatBusyError extends Error {
  readonly code = "busy";
  constructor(message = "too many questions waiting in this chat") {
    super(message);
    this.name = "ChatBusyError";
  }
}

/** The turn was cancelled while it waited: it never ran. */
export class TurnNotStartedError extends Error {
  readonly code = "cancelled";
  constructor(message = "cancelled before it started") {
    super(message);
    this.name = "TurnNotStartedError";
  }
}

interface Line {
  running: boolean;
  waiting: (() => void)[];
}

/** One process's order: a line per chat, held only while the chat has a turn running or waiting. */
export class InMemoryChatTurnOrder implements ChatTurnOrder {
  readonly #maxQueued: number;
  readonly #lines = new Map<string, Line>();

  constructor(options: { maxQueued: number }) {
    this.#maxQueued = options.maxQueued;
  }

  /** Chats with a turn running or waiting now. */
  get size(): number {
    return this.#lines.size;
  }

  run<T>(owner: string, chatId: string, fn: (turn: OrderedTurn) => Promise<T>, options: ChatTurnOrderRunOptions): Promise<T> {
    const { signal } = options;
    if (signal.aborted) return Promise.reject(new TurnNotStartedError());
    const key = JSON.stringify([owner, chatId]);
    let line = this.#lines.get(key);
    if (!line) {
      line = { running: false, waiting: [] };
      this.#lines.set(key, line);
    }
    if (line.running && line.waiting.length >= this.#maxQueued) return Promise.reject(new ChatBusyError());
    const current = line;
    return new Promise<T>((resolve, reject) => {
      const start = () => {
        signal.removeEventListener("abort", leave);
        current.running = true;
        Promise.resolve()
          .then(() => fn({ signal }))
          .then(resolve, reject)
          .finally(() => this.#next(key, current));
      };
      const leave = () => {
        const at = current.waiting.indexOf(start);
        if (at >= 0) current.waiting.splice(at, 1);
        reject(new TurnNotStartedError());
      };
      if (current.running) {
        current.waiting.push(start);
        signal.addEventListener("abort", leave, { once: true });
      } else {
        start();
      }
      options.onQueued?.();
    });
  }

  #next(key: string, line: Line): void {
    const next = line.waiting.shift();
    if (next) {
      next();
      return;
    }
    line.running = false;
    if (this.#lines.get(key) === line) this.#lines.delete(key);
  }
}
