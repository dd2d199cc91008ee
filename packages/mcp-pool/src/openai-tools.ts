/**
 * The catalog as the Chat Completions `tools` array, fitted to what the API
 * accepts. A plain type of our own, so this library does not depend on the
 * `openai` package.
 *
 * What the API refuses, and what is done about it:
 * - a function name outside `^[a-zA-Z0-9_-]{1,64}$`: the catalog never makes
 *   one; a tool from elsewhere with such a name is dropped;
 * - a description over 1,024 characters (`string_above_max_length`): cut at
 *   a word boundary and marked;
 * - more than 128 tools (`array_above_max_length`): the first 128, in catalog
 *   order, are kept;
 * - parameters that are not an object schema with `properties` at the top,
 *   or that have `oneOf`/`anyOf`/`allOf`/`enum`/`not` there
 *   (`invalid_function_parameters`), or an array schema without `items`:
 *   reshaped, see toParametersSchema().
 */

import type { CatalogTool } from "./types.js";
import { toParametersSchema } from "./openai-schema.js";

export interface OpenAIFunctionTool {
  type: "function";
  function: {
    /** The qualified name, `^[a-zA-Z0-9_-]{1,64}$`. */
    name: string;
    description: string;
    /** A JSON Schema of `type: "object"` with `properties`. */
    parameters: Record<string, unknown>;
  };
}

/** What one request may carry. Other OpenAI-compatible servers may differ. */
export interface OpenAIToolLimits {
  /** Tools per request. */
  maxTools: number;
  /** Characters of one tool's description, the cut marker included. */
  maxDescriptionChars: number;
}

/** OpenAI's Chat Completions limits. */
export const OPENAI_TOOL_LIMITS: Readonly<OpenAIToolLimits> = Object.freeze({ maxTools: 128, maxDescriptionChars: 1024 });

/** One tool of the catalog, by its qualified name and where it comes from. */
export interface OpenAIToolRef {
  name: string;
  server: string;
  tool: string;
}

/** The tools array, and what had to change for the API to accept it. */
export interface OpenAIToolsFit {
  tools: OpenAIFunctionTool[];
  /** Tools whose description was cut to `maxDescriptionChars`. */
  descriptionsCut: OpenAIToolRef[];
  /** Tools whose parameters schema was reshaped (see the file's comment). */
  schemasReshaped: OpenAIToolRef[];
  /** Tools left out: past `maxTools`, or a name the API refuses. */
  dropped: (OpenAIToolRef & { reason: "too_many_tools" | "invalid_name" })[];
}

const FUNCTION_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const DESCRIPTION_CUT_MARKER = " …[description cut]";

export function fitOpenAITools(tools: readonly CatalogTool[], limits: OpenAIToolLimits = OPENAI_TOOL_LIMITS): OpenAIToolsFit {
  checkOpenAIToolLimits(limits);
  const fit: OpenAIToolsFit = { tools: [], descriptionsCut: [], schemasReshaped: [], dropped: [] };
  for (const tool of tools) {
    const ref = { name: tool.name, server: tool.server, tool: tool.tool };
    if (!FUNCTION_NAME.test(tool.name)) {
      fit.dropped.push({ ...ref, reason: "invalid_name" });
      continue;
    }
    if (fit.tools.length === limits.maxTools) {
      fit.dropped.push({ ...ref, reason: "too_many_tools" });
      continue;
    }
    const fullDescription = tool.description || tool.title || "";
    const description = cutDescription(fullDescription, limits.maxDescriptionChars);
    if (description !== fullDescription) fit.descriptionsCut.push(ref);
    const { schema, reshaped } = toParametersSchema(tool.inputSchema);
    if (reshaped) fit.schemasReshaped.push(ref);
    fit.tools.push({ type: "function", function: { name: tool.name, description, parameters: schema } });
  }
  return fit;
}

/** The tools array alone; see fitOpenAITools() for what was changed. */
export function toOpenAITools(tools: readonly CatalogTool[], limits: OpenAIToolLimits = OPENAI_TOOL_LIMITS): OpenAIFunctionTool[] {
  return fitOpenAITools(tools, limits).tools;
}

/**
 * At most `maxChars`, marker included: cut at the last whitespace when there
 * is one in the last fifth of the room, else mid-word (a long URL or path).
 */
function cutDescription(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const room = maxChars - DESCRIPTION_CUT_MARKER.length;
  const hard = text.slice(0, room);
  const space = hard.search(/\s\S*$/);
  const head = space >= room * 0.8 ? hard.slice(0, space) : hard;
  return `${head.trimEnd()}${DESCRIPTION_CUT_MARKER}`;
}

/** Throws a RangeError naming a limit no request could meet. */
export function checkOpenAIToolLimits(limits: OpenAIToolLimits): void {
  if (!(Number.isInteger(limits.maxTools) && limits.maxTools > 0)) {
    throw new RangeError(`OpenAI tool limits: maxTools must be a positive integer, got ${limits.maxTools}`);
  }
  if (!(Number.isInteger(limits.maxDescriptionChars) && limits.maxDescriptionChars > DESCRIPTION_CUT_MARKER.length)) {
    throw new RangeError(
      `OpenAI tool limits: maxDescriptionChars must be an integer above ${DESCRIPTION_CUT_MARKER.length}, got ${limits.maxDescriptionChars}`,
    );
  }
}
