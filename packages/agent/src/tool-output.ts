/** Turns tool results and tool errors into the text a model (and a user) reads. */

import type { ToolCallResult, ToolResultContent } from "mcp-pool";

export const DEFAULT_TOOL_RESULT_MAX_CHARS = 16_000;

/** Text parts as they are; other parts as a short bracketed note. */
export function toolResultText(result: ToolCallResult): string {
  const parts = result.content.map(describeContent);
  if (parts.length === 0 && result.structuredContent !== undefined) {
    return JSON.stringify(result.structuredContent);
  }
  return parts.join("\n");
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
  const code = (error as { code?: unknown }).code;
  if (typeof code !== "string" || code === "tool_error") return error.message;
  return `${error.message} (${code})`;
}

/** Cuts text over the budget, with a marker the model and the user can see. */
export function truncateText(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  return `${text.slice(0, maxChars)}\n…[truncated ${text.length - maxChars} chars]`;
}
