/**
 * The turns of one chat: run one at a time in arrival order, with a bounded
 * number waiting. Cancelling aborts the running turn and drops the waiting ones.
 */

export interface QueuedTurn {
  readonly question: string;
}

export interface TurnQueueOptions<T extends QueuedTurn> {
  /** Turns allowed to wait behind the running one. */
  maxQueued: number;
  /** Runs one turn; must settle once the signal aborts. */
  run: (turn: T, signal: AbortSignal) => Promise<void>;
  /** A waiting turn that was dropped by cancel() and will never run. */
  dropped: (turn: T) => void;
}

export class TurnQueue<T extends QueuedTurn> {
  readonly #options: TurnQueueOptions<T>;
  readonly #waiting: T[] = [];
  #running: AbortController | undefined;
  #idle: Promise<void> = Promise.resolve();
  #markIdle: () => void = () => {};

  constructor(options: TurnQueueOptions<T>) {
    this.#options = options;
  }

  /** True when nothing runs and nothing waits. */
  get idle(): boolean {
    return this.#running === undefined;
  }

  /** Adds a turn; false when the queue is full (the caller answers `busy`). */
  push(turn: T): boolean {
    if (this.#running === undefined) {
      this.#idle = new Promise((resolve) => (this.#markIdle = resolve));
      void this.#start(turn);
      return true;
    }
    if (this.#waiting.length >= this.#options.maxQueued) return false;
    this.#waiting.push(turn);
    return true;
  }

  /** Aborts the running turn and drops every waiting one. */
  cancel(reason = "cancelled"): void {
    for (const turn of this.#waiting.splice(0)) this.#options.dropped(turn);
    this.#running?.abort(reason);
  }

  /** Resolves when the running turn and every waiting one have ended. */
  whenIdle(): Promise<void> {
    return this.#idle;
  }

  async #start(first: T): Promise<void> {
    for (let turn: T | undefined = first; turn !== undefined; turn = this.#waiting.shift()) {
      const controller = new AbortController();
      this.#running = controller;
      try {
        await this.#options.run(turn, controller.signal);
      } catch {
        /* run() reports its own failures; the next turn still runs */
      }
    }
    this.#running = undefined;
    this.#markIdle();
  }
}
