/**
 * Bounds the history sent to the model. It is cut by whole turns (a user
 * message and everything after it up to the next one), newest kept, so an
 * assistant message with tool calls is never separated from its results.
 */

import type { ChatMessage } from "./messages.js";

/** Roughly four characters per token for English text and JSON. */
export const DEFAULT_HISTORY_MAX_CHARS = 60_000;

/** Size of a message as the model reads it: its text, tool call names and arguments. */
function messageChars(message: ChatMessage): number {
  switch (message.role) {
    case "user":
      return message.content.length;
    case "tool":
      return message.content.length + message.tool_call_id.length;
    case "assistant": {
      let chars = message.content?.length ?? 0;
      for (const call of message.tool_calls ?? []) {
        chars += call.id.length + call.function.name.length + call.function.arguments.length;
      }
      return chars;
    }
  }
}

/**
 * The newest whole turns whose total size fits `maxChars`. The newest turn is
 * always kept, even when it alone is larger: it holds the question being
 * answered. Messages before the first user message (left by a store that cut
 * a long conversation) are dropped.
 */
export function fitHistory(messages: readonly ChatMessage[], maxChars: number): ChatMessage[] {
  const turns = splitTurns(messages);
  let kept = 0;
  let chars = 0;
  for (let i = turns.length - 1; i >= 0; i--) {
    const turnChars = sumChars(turns[i]!);
    if (kept > 0 && chars + turnChars > maxChars) break;
    chars += turnChars;
    kept++;
  }
  return turns.slice(turns.length - kept).flat();
}

function splitTurns(messages: readonly ChatMessage[]): ChatMessage[][] {
  const turns: ChatMessage[][] = [];
  for (const message of messages) {
    if (message.role === "user") turns.push([message]);
    else turns.at(-1)?.push(message);
  }
  return turns;
}

function sumChars(turn: readonly ChatMessage[]): number {
  return turn.reduce((total, message) => total + messageChars(message), 0);
}
