/**
 * The conversation as it is stored: plain JSON objects, no class instances or
 * functions, so any store (in memory, Redis...) can keep them as they are.
 * The shapes are the Chat Completions message params, so they go to the model
 * without conversion.
 */

export interface UserMessage {
  role: "user";
  content: string;
  /**
   * Set by a store when the turn that asked this never ended (its process
   * died): no answer will come. Not sent to the model.
   */
  interrupted?: true;
}

export interface StoredToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

export interface AssistantMessage {
  role: "assistant";
  content: string | null;
  /** Present only when the model called tools; each one is answered by a ToolMessage. */
  tool_calls?: StoredToolCall[];
}

export interface ToolMessage {
  role: "tool";
  tool_call_id: string;
  content: string;
}

export type ChatMessage = UserMessage | AssistantMessage | ToolMessage;

export interface SystemMessage {
  role: "system";
  content: string;
}

/** What is sent to the model: the system prompt, then the (bounded) history. */
export type PromptMessage = SystemMessage | ChatMessage;

/** How a failed tool call's result is stored: the model reads the failure in the text itself. */
const TOOL_ERROR_PREFIX = "Error: ";

/** The content of a stored tool result. */
export function toolMessageContent(ok: boolean, text: string): string {
  return ok ? text : `${TOOL_ERROR_PREFIX}${text}`;
}

/** Whether a stored tool result was a failure, and its text (a tool whose own output begins "Error: " reads as failed). */
export function toolOutcomeOf(message: ToolMessage): { ok: boolean; text: string } {
  const failed = message.content.startsWith(TOOL_ERROR_PREFIX);
  return { ok: !failed, text: failed ? message.content.slice(TOOL_ERROR_PREFIX.length) : message.content };
}

/** A stored message as the model API takes it: store-only marks dropped. */
export function forModel(message: ChatMessage): ChatMessage {
  return message.role === "user" && message.interrupted ? { role: "user", content: message.content } : message;
}
