/**
 * The `history` frame: a chat's stored messages as the client shows them
 * (questions, answers, tool calls with their results), oldest first, within
 * MAX_SERVER_FRAME_BYTES. When they do not all fit, the newest are kept from a
 * question on and `omitted` counts the older ones left out; the oldest one
 * kept (or the newest, too long alone) may have its text cut, with `truncated: true`.
 */

import { toolOutcomeOf, type ChatMessage } from "@mcp-pool/agent";
import { fittingPrefix } from "./frame-bound.js";
import type { HistoryFrame, HistoryMessage } from "./ws-protocol.js";

export function historyFrame(chatId: string, stored: readonly ChatMessage[], maxBytes: number): HistoryFrame {
  const all = historyMessages(stored);
  const frame: HistoryFrame = { type: "history", chat_id: chatId, messages: all };
  if (Buffer.byteLength(JSON.stringify(frame)) <= maxBytes) return frame;

  // The frame with every count of omitted messages fits this budget: the messages get the rest.
  let budget = maxBytes - Buffer.byteLength(JSON.stringify({ ...frame, messages: [], omitted: all.length }));
  const kept: HistoryMessage[] = [];
  for (let i = all.length - 1; i >= 0; i--) {
    const message = all[i]!;
    const size = Buffer.byteLength(JSON.stringify(message)) + 1;
    if (size <= budget) {
      kept.unshift(message);
      budget -= size;
    } else {
      // The question that starts what is shown, or a newest message too long alone, is shown cut.
      if (kept.length === 0 || message.role === "user") {
        const shortened = cut(message, budget - 1);
        if (Buffer.byteLength(JSON.stringify(shortened)) < budget) kept.unshift(shortened);
      }
      break;
    }
  }
  // Shown from a question on: a tool result without the question that led to it reads as noise.
  while (kept.length > 1 && kept[0]!.role !== "user") kept.shift();
  const omitted = all.length - kept.length;
  return omitted > 0 ? { type: "history", chat_id: chatId, messages: kept, omitted } : { type: "history", chat_id: chatId, messages: kept };
}

/** The stored messages as the protocol shows them: a tool result with its call's name and arguments. */
function historyMessages(stored: readonly ChatMessage[]): HistoryMessage[] {
  const calls = new Map<string, { name: string; arguments: unknown }>();
  const messages: HistoryMessage[] = [];
  for (const message of stored) {
    if (message.role === "user") {
      messages.push(
        message.interrupted ? { role: "user", text: message.content, interrupted: true } : { role: "user", text: message.content },
      );
    } else if (message.role === "assistant") {
      for (const call of message.tool_calls ?? [])
        calls.set(call.id, { name: call.function.name, arguments: parsed(call.function.arguments) });
      if (message.content) messages.push({ role: "assistant", text: message.content });
    } else {
      const call = calls.get(message.tool_call_id) ?? { name: "tool", arguments: "" };
      messages.push({ role: "tool", call_id: message.tool_call_id, ...call, ...toolOutcomeOf(message) });
    }
  }
  return messages;
}

/** The arguments as the model sent them: an object when they were JSON, else the raw text. */
function parsed(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** One message cut to `maxBytes`: its text first, then a tool call's arguments. */
function cut(message: HistoryMessage, maxBytes: number): HistoryMessage {
  const withoutText = Buffer.byteLength(JSON.stringify({ ...message, text: "", truncated: true }));
  const small = message.role === "tool" && withoutText > maxBytes ? { ...message, arguments: "" } : message;
  const n = fittingPrefix(message.text, (text) => ({ ...small, text, truncated: true }), maxBytes);
  return { ...small, text: message.text.slice(0, n), truncated: true };
}
