/**
 * Checks a tool result against the tool's `outputSchema` the way the SDK
 * Client does, but from the shared catalog: the SDK's Client checks only on
 * the client that listed the tools itself, so in a pool the check would
 * depend on which client a call happened to get. One validator per tool,
 * compiled on the tool's first call and dropped with its catalog.
 */

import type { CallToolResult, Tool } from "@modelcontextprotocol/sdk/types.js";
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv";
import type { JsonSchemaType, JsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/types.js";

let ajv: AjvJsonSchemaValidator | undefined;
const validators = new WeakMap<Tool, JsonSchemaValidator<unknown>>();

/** What is wrong with the result's structured content, or undefined when nothing is. */
export function outputSchemaProblem(tool: Tool, result: CallToolResult): string | undefined {
  if (!tool.outputSchema) return undefined;
  if (result.structuredContent === undefined) {
    return result.isError ? undefined : `Tool "${tool.name}" has an output schema but did not return structured content`;
  }
  let validate = validators.get(tool);
  try {
    if (!validate) {
      ajv ??= new AjvJsonSchemaValidator();
      validate = ajv.getValidator(tool.outputSchema as JsonSchemaType);
      validators.set(tool, validate);
    }
    const verdict = validate(result.structuredContent);
    return verdict.valid ? undefined : `Structured content does not match the tool's output schema: ${verdict.errorMessage}`;
  } catch (error) {
    return `Failed to validate structured content: ${error instanceof Error ? error.message : String(error)}`;
  }
}
