/**
 * Why a turn ended without an answer. ask() never throws: these become the
 * turn's single `error` event, with the class's stable code.
 */

import type { AgentErrorCode, ErrorEvent } from "./events.js";

export abstract class TurnError extends Error {
  abstract readonly code: AgentErrorCode;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The caller's signal aborted the turn. */
export class TurnCancelledError extends TurnError {
  readonly code = "cancelled";
  constructor(message = "The turn was cancelled") {
    super(message);
  }
}

/** The question or a console command was malformed; the message says how to fix it. */
export class BadRequestError extends TurnError {
  readonly code = "bad_request";
}

/** A tool called from the console failed; the message is the tool's error text. */
export class ToolFailedError extends TurnError {
  readonly code = "tool_failed";
}

/** A tool's MCP server cannot be reached now (the pool's `server_unavailable`): not the user's mistake, nor the tool's. */
export class ToolServerUnavailableError extends TurnError {
  readonly code = "server_unavailable";
}

/** The model endpoint failed (HTTP error, refused connection...) after the client's retries. */
export class LlmFailedError extends TurnError {
  readonly code = "llm_failed";
}

/** The conversation store cannot be reached (a shared store's server is down): nothing was asked of the model. */
export class StoreUnavailableError extends TurnError {
  readonly code = "store_unavailable";
}

/** The turn lost its chat's lock (it stalled past the lock's expiry, or lost the store): it may not write, another turn may run. */
export class TurnLostError extends TurnError {
  readonly code = "turn_lost";
}

/**
 * The model was still calling tools after `maxSteps` rounds. Counted as an
 * LLM failure: the model did not converge; nothing in the agent broke.
 */
export class MaxStepsExceededError extends TurnError {
  readonly code = "llm_failed";
  readonly maxSteps: number;
  constructor(maxSteps: number) {
    super(`The model was still calling tools after ${maxSteps} steps (maxSteps); the turn was stopped.`);
    this.maxSteps = maxSteps;
  }
}

/** The turn's error event; anything unforeseen is `internal`, a fired signal `cancelled` (or the TurnError it was aborted with). */
export function errorEventFor(chatId: string | undefined, error: unknown, signal: AbortSignal): ErrorEvent {
  const [code, message] = signal.aborted
    ? signal.reason instanceof TurnError
      ? [signal.reason.code, signal.reason.message]
      : (["cancelled", new TurnCancelledError().message] as const)
    : error instanceof TurnError
      ? [error.code, error.message]
      : (["internal", (error instanceof Error ? error.message : String(error)) || "Internal error"] as const);
  return chatId === undefined ? { type: "error", code, message } : { type: "error", chatId, code, message };
}

/** Every message of an error's cause chain once, e.g. "Connection error: fetch failed: connect ECONNREFUSED 127.0.0.1:9". */
export function describeWithCauses(error: unknown): string {
  const messages: string[] = [];
  for (let current = error, depth = 0; current !== undefined && depth < 5; depth++) {
    const message = current instanceof Error ? current.message : String(current);
    if (message && !messages.some((m) => m.includes(message))) messages.push(message);
    current = current instanceof Error ? current.cause : undefined;
  }
  return messages.map((message, i) => (i < messages.length - 1 ? message.replace(/\.$/, "") : message)).join(": ");
}
