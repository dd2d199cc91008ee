/**
 * WebSocket protocol v1 (docs/protocol.md): the frames a client may send,
 * parsed and validated, the frames and close codes the server sends, and the
 * mapping from the agent's events to frames. Snake_case names and the
 * server's own error codes (busy, rate_limited, unauthorized) live here only.
 */

import type { AgentErrorCode, AgentEvent } from "@mcp-pool/agent";
import { z } from "zod";

export const PROTOCOL_VERSION = 1;
/** The subprotocol a browser offers beside `bearer.<token>`; the server selects it. */
export const SUBPROTOCOL = "mcp-pool.v1";

/** Close codes the server uses (RFC 6455 §7.4.1). */
export const CloseCode = {
  normal: 1000,
  unsupportedData: 1003,
  policyViolation: 1008,
  tooBig: 1009,
  /** Drain: this instance is restarting; reconnect (to another) and resume with a `history` frame. */
  serviceRestart: 1012,
  tryAgainLater: 1013,
} as const;

const MAX_CHAT_ID = 128;
const chatId = z.string().min(1).max(MAX_CHAT_ID);

const askFrame = z.object({
  type: z.literal("ask").optional(),
  chat_id: chatId,
  question: z.string().trim().min(1, "question must not be empty"),
});
const cancelFrame = z.object({ type: z.literal("cancel"), chat_id: chatId });
const pingFrame = z.object({ type: z.literal("ping") });
const historyRequest = z.object({ type: z.literal("history"), chat_id: chatId });

export type AskFrame = { type: "ask"; chat_id: string; question: string };
export type CancelFrame = z.infer<typeof cancelFrame>;
export type PingFrame = z.infer<typeof pingFrame>;
export type HistoryRequest = z.infer<typeof historyRequest>;
export type ClientFrame = AskFrame | CancelFrame | PingFrame | HistoryRequest;

/** An `error` frame's code: what the agent's turn failed with, or the server's own refusals. */
export type ErrorCode = AgentErrorCode | "busy" | "rate_limited" | "unauthorized";

export interface DeltaFrame {
  type: "delta";
  chat_id: string;
  text: string;
}
export interface ToolCallFrame {
  type: "tool_call";
  chat_id: string;
  call_id: string;
  name: string;
  arguments: unknown;
}
/** A running tool's progress (a few a second at most; never after its `tool_result`). */
export interface ToolProgressFrame {
  type: "tool_progress";
  chat_id: string;
  call_id: string;
  name: string;
  progress: number;
  total?: number;
  message?: string;
}
export interface ToolResultFrame {
  type: "tool_result";
  chat_id: string;
  call_id: string;
  name: string;
  ok: boolean;
  content: string;
}
export interface AnswerFrame {
  type: "answer";
  chat_id: string;
  text: string;
}
export interface ErrorFrame {
  type: "error";
  chat_id?: string;
  code: ErrorCode;
  message: string;
}

/** One stored message as the `history` frame shows it. */
export type HistoryMessage =
  | { role: "user"; text: string; interrupted?: true; truncated?: true }
  | { role: "assistant"; text: string; truncated?: true }
  | { role: "tool"; call_id: string; name: string; arguments: unknown; ok: boolean; text: string; truncated?: true };

/** A chat's stored messages, oldest first; `omitted` older ones did not fit in one frame. */
export interface HistoryFrame {
  type: "history";
  chat_id: string;
  messages: HistoryMessage[];
  omitted?: number;
}

export type ServerFrame =
  | HistoryFrame
  | DeltaFrame
  | ToolCallFrame
  | ToolProgressFrame
  | ToolResultFrame
  | AnswerFrame
  | ErrorFrame
  | { type: "ready"; session_id: string; user_id: string; mode: "llm" | "console"; protocol: number }
  | { type: "pong" };

/** A frame that could not be accepted; becomes an `error` frame with `bad_request`. */
export class BadFrameError extends Error {
  readonly code = "bad_request";
  /** The frame's chat_id, when one could be read, so the client can match the error. */
  readonly chatId: string | undefined;
  constructor(message: string, chatId?: string) {
    super(message);
    this.name = "BadFrameError";
    this.chatId = chatId;
  }
}

/** Parses one text frame; throws BadFrameError saying what is wrong. */
export function parseClientFrame(text: string): ClientFrame {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new BadFrameError("frame is not valid JSON");
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new BadFrameError("frame must be a JSON object");
  }
  const frame = json as Record<string, unknown>;
  const chat = typeof frame.chat_id === "string" ? frame.chat_id.slice(0, MAX_CHAT_ID) : undefined;
  const type = frame.type ?? "ask";
  const schemas: Record<string, z.ZodType> = { ask: askFrame, cancel: cancelFrame, ping: pingFrame, history: historyRequest };
  const schema = typeof type === "string" && Object.hasOwn(schemas, type) ? schemas[type] : undefined;
  if (!schema) throw new BadFrameError(`unknown frame type ${JSON.stringify(type).slice(0, 40)}`, chat);
  const parsed = schema.safeParse(frame);
  if (!parsed.success) throw new BadFrameError(describeIssue(parsed.error.issues[0]), chat);
  return type === "ask" ? { ...(parsed.data as z.infer<typeof askFrame>), type: "ask" } : (parsed.data as ClientFrame);
}

function describeIssue(issue: z.core.$ZodIssue | undefined): string {
  if (!issue) return "invalid frame";
  const field = issue.path.join(".");
  return field ? `${field}: ${issue.message}` : issue.message;
}

export function errorFrame(code: ErrorCode, message: string, chatId?: string): ErrorFrame {
  return chatId === undefined ? { type: "error", code, message } : { type: "error", chat_id: chatId, code, message };
}

/** The frame that tells the client about one agent event. */
export function frameOf(event: AgentEvent): ServerFrame {
  switch (event.type) {
    case "delta":
      return { type: "delta", chat_id: event.chatId, text: event.text };
    case "toolCall":
      return { type: "tool_call", chat_id: event.chatId, call_id: event.callId, name: event.name, arguments: event.arguments };
    case "toolProgress": {
      const frame: ToolProgressFrame = {
        type: "tool_progress",
        chat_id: event.chatId,
        call_id: event.callId,
        name: event.name,
        progress: event.progress,
      };
      if (event.total !== undefined) frame.total = event.total;
      if (event.message !== undefined) frame.message = event.message;
      return frame;
    }
    case "toolResult":
      return {
        type: "tool_result",
        chat_id: event.chatId,
        call_id: event.callId,
        name: event.name,
        ok: event.ok,
        content: event.content,
      };
    case "answer":
      return { type: "answer", chat_id: event.chatId, text: event.text };
    case "error":
      return errorFrame(event.code, event.message, event.chatId);
  }
}
