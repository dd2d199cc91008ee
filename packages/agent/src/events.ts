/**
 * What an agent's turn yields: the agent's own domain events (camelCase). A
 * server maps them to its wire format; the agent knows nothing of frames.
 */

/**
 * What a turn can itself fail with. Admission refusals (busy, rate limited,
 * unauthorized) are the server's: a turn that runs was already admitted.
 */
export type AgentErrorCode =
  | "bad_request"
  | "tool_failed"
  | "server_unavailable"
  | "llm_failed"
  | "store_unavailable"
  | "turn_lost"
  | "cancelled"
  | "internal";

export interface DeltaEvent {
  type: "delta";
  chatId: string;
  text: string;
}

export interface ToolCallEvent {
  type: "toolCall";
  chatId: string;
  callId: string;
  /** Qualified tool name (`<server>__<tool>`). */
  name: string;
  /** The parsed arguments (an object), or the raw string when it was not valid JSON. */
  arguments: unknown;
}

export interface ToolResultEvent {
  type: "toolResult";
  chatId: string;
  callId: string;
  name: string;
  ok: boolean;
  /** The tool's text output, or the error text when `ok` is false. */
  content: string;
}

/**
 * A running tool's progress, as its MCP server reports it (the newest of each call, a few a second at
 * most: tool-progress.ts). Comes between the call's `toolCall` and its `toolResult`, never after.
 */
export interface ToolProgressEvent {
  type: "toolProgress";
  chatId: string;
  callId: string;
  name: string;
  /** Grows with each update of a call (the MCP spec requires it). */
  progress: number;
  /** The progress at the end, when the server knows it. */
  total?: number;
  /** The server's status line, at most MAX_PROGRESS_MESSAGE_CHARS. */
  message?: string;
}

export interface AnswerEvent {
  type: "answer";
  chatId: string;
  text: string;
}

export interface ErrorEvent {
  type: "error";
  /** Absent only when the chat id itself was unusable. */
  chatId?: string;
  code: AgentErrorCode;
  message: string;
}

export type AgentEvent = DeltaEvent | ToolCallEvent | ToolProgressEvent | ToolResultEvent | AnswerEvent | ErrorEvent;
