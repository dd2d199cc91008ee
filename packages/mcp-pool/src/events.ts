/** Events emitted by the manager, so an exporter needs no patching. */

import { EventEmitter } from "node:events";
import type { McpPoolErrorCode } from "./errors.js";

export interface ManagerEvents {
  clientCreated: { server: string; sessionId: string | undefined };
  clientDestroyed: { server: string; sessionId: string | undefined; reason: string };
  /** A call got its slot and is about to be sent. `waitMs`: time spent waiting for the slot. */
  callStart: { server: string; tool: string; sessionId: string | undefined; waitMs: number };
  /** A call ended; `outcome` is `ok` or the code of the error the caller got. */
  callEnd: {
    server: string;
    tool: string;
    sessionId: string | undefined;
    outcome: "ok" | McpPoolErrorCode;
    durationMs: number;
  };
  /** The server's tool catalog was (re)loaded. */
  catalogLoaded: { server: string; version: number; tools: number };
  /** Something went wrong that no caller sees (a client failed to close, a refresh failed...). */
  warning: { server: string | undefined; message: string; error?: unknown };
  /** Detail for a debug log only: an upstream HTTP error's whole text (the errors callers get cut its body). Redacted. */
  debug: { server: string; message: string; detail: string };
}

type Listener<T> = (event: T) => void;

/** A node EventEmitter with typed event names and payloads. */
export class TypedEmitter<Events extends object> {
  readonly #emitter = new EventEmitter();

  on<K extends keyof Events & string>(event: K, listener: Listener<Events[K]>): this {
    this.#emitter.on(event, listener);
    return this;
  }

  off<K extends keyof Events & string>(event: K, listener: Listener<Events[K]>): this {
    this.#emitter.off(event, listener);
    return this;
  }

  /** Someone listens for `event`: a hot path builds a payload only then. */
  protected listens(event: keyof Events & string): boolean {
    return this.#emitter.listenerCount(event) > 0;
  }

  protected emit<K extends keyof Events & string>(event: K, payload: Events[K]): void {
    if (this.#emitter.listenerCount(event) === 0) return;
    // A throwing listener must not break the pool's bookkeeping.
    for (const listener of this.#emitter.listeners(event)) {
      try {
        (listener as Listener<Events[K]>)(payload);
      } catch {
        /* listeners' own errors are theirs */
      }
    }
  }
}
