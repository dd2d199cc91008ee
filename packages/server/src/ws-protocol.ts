/**
 * WebSocket protocol v1 (docs/protocol.md): the frames a client may send,
 * parsed and validated, and the frames and close codes the server sends.
 */

import type { AgentErrorCode, AgentEvent, ErrorEvent } from "@mcp-pool/agent";
import { z } from "zod";

export const PROTOCOL_VERSION = 1;
/** The subprotocol a browser offers beside `bearer.<token>`; the server selects it. */
export const SUBPROTOCOL = "mcp-pool.v1";

/** Close codes the server uses (RFC 6455 §7.4.1). */
export const CloseCode = {
  normal: 1000,
  goingAway: 1001,
  unsupportedData: 1003,
  policyViolation: 1008,
  tooBig: 1009,
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

export type AskFrame = { type: "ask"; chat_id: string; question: string };
export type CancelFrame = z.infer<typeof cancelFrame>;
export type PingFrame = z.infer<typeof pingFrame>;
export type ClientFrame = AskFrame | CancelFrame | PingFrame;

export type ServerFrame =
  | AgentEvent
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
  const schema = type === "ask" ? askFrame : type === "cancel" ? cancelFrame : type === "ping" ? pingFrame : undefined;
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

export function errorFrame(code: AgentErrorCode, message: string, chatId?: string): ErrorEvent {
  return chatId === undefined ? { type: "error", code, message } : { type: "error", chat_id: chatId, code, message };
}
