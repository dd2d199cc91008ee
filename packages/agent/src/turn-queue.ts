/**
 * Turns in one chat run one after the other, so each sees the memory the
 * previous one left. Holds an entry only while a chat has a turn running or
 * waiting: an idle agent keeps nothing here.
 */

import { untilAborted } from "./abort.js";

export class TurnQueue {
  readonly #tails = new Map<string, Promise<void>>();

  /** Waits for the chat's earlier turns; the returned function ends this one. Rejects if the signal fires first. */
  async enter(chatId: string, signal: AbortSignal): Promise<() => void> {
    const previous = this.#tails.get(chatId) ?? Promise.resolve();
    let release!: () => void;
    const current = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => current);
    this.#tails.set(chatId, tail);
    const leave = () => {
      release();
      if (this.#tails.get(chatId) === tail) this.#tails.delete(chatId);
    };
    try {
      await untilAborted(previous, signal);
    } catch (error) {
      leave();
      throw error;
    }
    return leave;
  }
}
