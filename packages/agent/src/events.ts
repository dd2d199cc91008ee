/**
 * What an agent's turn yields. The shapes are the server-to-client frames of
 * the WebSocket protocol v1 (docs/protocol.md), so a server can send them as they are.
 */

export type AgentErrorCode =
  | "bad_request"
  | "busy"
  | "rate_limited"
  | "unauthorized"
  | "tool_failed"
  | "server_unavailable"
  | "llm_failed"
  | "cancelled"
  | "internal";

export interface DeltaEvent {
  type: "delta";
  chat_id: string;
  text: string;
}

export interface ToolCallEvent {
  type: "tool_call";
  chat_id: string;
  call_id: string;
  /** Qualified tool name (`<server>__<tool>`). */
  name: string;
  /** The parsed arguments (an object), or the raw string when it was not valid JSON. */
  arguments: unknown;
}

export interface ToolResultEvent {
  type: "tool_result";
  chat_id: string;
  call_id: string;
  name: string;
  ok: boolean;
  /** The tool's text output, or the error text when `ok` is false. */
  content: string;
}

export interface AnswerEvent {
  type: "answer";
  chat_id: string;
  text: string;
}

export interface ErrorEvent {
  type: "error";
  chat_id?: string;
  code: AgentErrorCode;
  message: string;
}

export type AgentEvent = DeltaEvent | ToolCallEvent | ToolResultEvent | AnswerEvent | ErrorEvent;
