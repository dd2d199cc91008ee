/** Turns tool results and tool errors into the text a model (and a user) reads. */

import type { SessionResetReason, ToolCallResult, ToolResultContent } from "mcp-pool";

export const DEFAULT_TOOL_RESULT_MAX_CHARS = 16_000;

/** Text parts as they are; other parts as a short bracketed note. Led by a note when the server's session was reset. */
export function toolResultText(result: ToolCallResult): string {
  const parts = result.content.map(describeContent);
  const text = parts.length === 0 && result.structuredContent !== undefined ? JSON.stringify(result.structuredContent) : parts.join("\n");
  return withResetNote(text, result.server, result.sessionReset);
}

/**
 * The sentence that tells the model (and the user) that a per-session server
 * started afresh for this session, so it does not build on state that is gone.
 */
function sessionResetNote(server: string | undefined, reason: SessionResetReason): string {
  const why = reason === "idle" ? "it had been idle too long" : "its previous connection was lost";
  const name = server === undefined ? "The tool's MCP server" : `MCP server "${server}"`;
  return `[${name} was restarted for this session (${why}): whatever it kept from earlier calls, such as open pages, stored data or history, is gone.]`;
}

function withResetNote(text: string, server: string | undefined, reason: SessionResetReason | undefined): string {
  return reason === undefined ? text : `${sessionResetNote(server, reason)}\n${text}`;
}

function describeContent(part: ToolResultContent): string {
  if (typeof part.text === "string") return part.text;
  switch (part.type) {
    case "image":
    case "audio":
      return `[${part.type}${typeof part.mimeType === "string" ? ` ${part.mimeType}` : ""}]`;
    case "resource": {
      const resource = (part.resource ?? {}) as { uri?: unknown; text?: unknown };
      return typeof resource.text === "string" ? resource.text : `[resource ${String(resource.uri)}]`;
    }
    case "resource_link":
      return `[resource link ${String(part.uri)}]`;
    default:
      return `[${part.type}]`;
  }
}

/**
 * The text of a failed call. A tool's own failure (`tool_error`) is its own
 * words; the pool's errors (busy, timeout, unavailable...) carry their code.
 */
export function toolErrorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const { code, server, sessionReset } = error as { code?: unknown; server?: string; sessionReset?: SessionResetReason };
  const text = typeof code !== "string" || code === "tool_error" ? error.message : `${error.message} (${code})`;
  return withResetNote(text, server, sessionReset);
}

/** Cuts text over the budget, with a marker the model and the user can see. */
export function truncateText(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  return `${text.slice(0, maxChars)}\n…[truncated ${text.length - maxChars} chars]`;
}
