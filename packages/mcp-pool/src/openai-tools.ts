/**
 * The catalog as the Chat Completions `tools` array. A plain type of our own,
 * so this library does not depend on the `openai` package.
 */

import type { CatalogTool } from "./types.js";

export interface OpenAIFunctionTool {
  type: "function";
  function: {
    /** The qualified name, `^[a-zA-Z0-9_-]{1,64}$`. */
    name: string;
    description: string;
    /** A JSON Schema of `type: "object"`. */
    parameters: Record<string, unknown>;
  };
}

export function toOpenAITools(tools: readonly CatalogTool[]): OpenAIFunctionTool[] {
  return tools.map((tool) => ({
    type: "function",
    function: {
      name: tool.name,
      description: tool.description || tool.title || "",
      parameters: toObjectSchema(tool.inputSchema),
    },
  }));
}

/**
 * Providers reject a function whose parameters are not an object schema with
 * `properties` (some also reject `$schema`), while MCP servers may send `{}`.
 */
function toObjectSchema(schema: Record<string, unknown> | undefined): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = schema ?? {};
  if (rest["type"] !== undefined && rest["type"] !== "object") return { type: "object", properties: {} };
  return { ...rest, type: "object", properties: rest["properties"] ?? {} };
}
