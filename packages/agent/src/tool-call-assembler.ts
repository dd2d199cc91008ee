/**
 * Rebuilds the tool calls of a streamed reply. Chat Completions streams each
 * call in pieces keyed by `index`: the id and name usually come first, the
 * JSON arguments in many fragments after them, and calls may interleave.
 */

import { randomUUID } from "node:crypto";
import type { StoredToolCall } from "./messages.js";

/** One streamed piece of a tool call, as in `choices[0].delta.tool_calls`. */
export interface ToolCallDelta {
  index?: number;
  id?: string | null;
  type?: string | null;
  function?: { name?: string | null; arguments?: string | null } | null;
}

interface PartialCall {
  id: string;
  name: string;
  arguments: string;
}

export class ToolCallAssembler {
  readonly #calls = new Map<number, PartialCall>();

  add(deltas: readonly ToolCallDelta[]): void {
    for (const delta of deltas) {
      // Some OpenAI-compatible servers omit the index of a single call.
      const index = delta.index ?? this.#calls.size;
      const call = this.#calls.get(index) ?? { id: "", name: "", arguments: "" };
      if (delta.id && !call.id) call.id = delta.id;
      if (delta.function?.name) call.name += delta.function.name;
      if (delta.function?.arguments) call.arguments += delta.function.arguments;
      this.#calls.set(index, call);
    }
  }

  /** The calls in index order; a call the server sent without an id gets one. */
  finish(): StoredToolCall[] {
    return [...this.#calls.entries()]
      .sort(([a], [b]) => a - b)
      .map(([, call]) => ({
        id: call.id || `call_${randomUUID().replaceAll("-", "").slice(0, 24)}`,
        type: "function" as const,
        function: { name: call.name, arguments: call.arguments },
      }));
  }
}
