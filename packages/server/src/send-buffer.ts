/**
 * What one socket may have queued for its client. A frame is always sent, but
 * once more than `maxBytes` wait to be written the socket stops reading its
 * client's frames (so error frames for a flood of junk cannot pile up) and the
 * sender's promise waits for room (so a turn stops pulling from the model's
 * stream instead of buffering it). A socket that stays over the bound for
 * `stallMs` is reported through `onStall`.
 *
 * The frames sent in one event-loop turn leave in one write: the TCP socket is
 * corked at the first and uncorked once the turn's work is done
 * (setImmediate). Each write to a socket is a system call, and on a busy
 * server it was the largest single cost of a model's turn (seven frames each,
 * several of them sent together: docs/benchmarks.md, "Agent path").
 */

import type { Socket } from "node:net";
import type { WebSocket } from "ws";

export interface SendBufferOptions {
  /** The ws socket (`bufferedAmount`, `pause`, `resume`). */
  ws: WebSocket;
  /** The TCP socket under it, whose `drain` says the kernel took what was queued. */
  tcp: Socket;
  maxBytes: number;
  stallMs: number;
  /** The socket stayed over `maxBytes` for `stallMs`; the caller closes it. */
  onStall: (bufferedBytes: number) => void;
}

const OPEN = 1;

export class SendBuffer {
  readonly #options: SendBufferOptions;
  /** Set while over the bound: resolves when there is room again or the socket is gone. */
  #room: { promise: Promise<void>; resolve: () => void; stallTimer: NodeJS.Timeout } | undefined;
  #closed = false;
  /** Frames sent this event-loop turn wait in the corked socket until it ends. */
  #corked = false;

  constructor(options: SendBufferOptions) {
    this.#options = options;
  }

  /** Sends `text` now; resolves once the queue is back under the bound (at once when it is). Never rejects. */
  send(text: string): Promise<void> {
    const { ws, maxBytes } = this.#options;
    if (this.#closed || ws.readyState !== OPEN) return Promise.resolve();
    this.#batchThisTurn();
    ws.send(text);
    if (this.#room) return this.#room.promise;
    if (ws.bufferedAmount <= maxBytes) return Promise.resolve();
    return this.#waitForRoom();
  }

  /** The socket is closing: frames are dropped from now on and every waiting turn goes on. */
  close(): void {
    this.#closed = true;
    this.#release();
  }

  #batchThisTurn(): void {
    if (this.#corked) return;
    this.#corked = true;
    const { tcp } = this.#options;
    tcp.cork();
    setImmediate(() => {
      this.#corked = false;
      // A socket that ended meanwhile flushed what it held (end() uncorks).
      tcp.uncork();
    });
  }

  #waitForRoom(): Promise<void> {
    const { ws, tcp, stallMs, onStall } = this.#options;
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    const stallTimer = setTimeout(() => onStall(ws.bufferedAmount), stallMs);
    this.#room = { promise, resolve, stallTimer };
    ws.pause();
    const check = () => {
      if (this.#closed) return;
      if (ws.bufferedAmount <= this.#options.maxBytes) this.#release();
      else tcp.once("drain", check);
    };
    tcp.once("drain", check);
    return promise;
  }

  #release(): void {
    const room = this.#room;
    if (!room) return;
    this.#room = undefined;
    clearTimeout(room.stallTimer);
    if (!this.#closed) this.#options.ws.resume();
    room.resolve();
  }
}
