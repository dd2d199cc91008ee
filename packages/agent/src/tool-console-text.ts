/** The console's text: the catalog, one tool in detail, example arguments. */

import type { CatalogTool, ToolListing } from "mcp-pool";

interface PropertySchema {
  type?: string | string[];
  description?: string;
  enum?: unknown[];
  default?: unknown;
}

/** One line per tool (signature, then its description's first line), then the servers that are down. */
export function formatCatalog(listing: ToolListing, emptyText = "No tools are available."): string {
  const lines: string[] = [];
  if (listing.tools.length === 0) {
    lines.push(emptyText);
  } else {
    lines.push(`${listing.tools.length} tool${listing.tools.length === 1 ? "" : "s"}:`, "");
    for (const tool of listing.tools) {
      lines.push(signature(tool));
      const summary = firstLine(tool.description);
      if (summary) lines.push(`    ${summary}`);
    }
  }
  if (listing.unavailable.length > 0) {
    lines.push("", "Not available now:");
    for (const { server, error } of listing.unavailable) lines.push(`    ${server}: ${error.message}`);
  }
  const example = listing.tools.find((tool) => simpleArguments(tool)) ?? listing.tools[0];
  if (example) {
    lines.push("", "Call one with /call <tool> <json-args>, e.g.", `    /call ${example.name} ${JSON.stringify(exampleArguments(example))}`);
  }
  return lines.join("\n");
}

/** Everything about one tool: description, each parameter, an example call. */
export function describeTool(tool: CatalogTool): string {
  const lines = [signature(tool)];
  if (tool.title) lines.push(`    ${tool.title}`);
  if (tool.description) lines.push("", tool.description);
  const properties = propertiesOf(tool);
  if (properties.length > 0) {
    lines.push("", "Parameters:");
    for (const [name, schema, required] of properties) {
      const note = schema.description ? ` - ${schema.description}` : "";
      lines.push(`    ${name}: ${typeName(schema)}${required ? "" : " (optional)"}${note}`);
    }
  }
  lines.push("", "Example:", `    /call ${tool.name} ${JSON.stringify(exampleArguments(tool))}`);
  return lines.join("\n");
}

/** Values for the required parameters: the default, the first enum value, or a placeholder of the type. */
export function exampleArguments(tool: CatalogTool): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  for (const [name, schema, required] of propertiesOf(tool)) {
    if (required) args[name] = exampleValue(schema);
  }
  return args;
}

function exampleValue(schema: PropertySchema): unknown {
  if (schema.default !== undefined) return schema.default;
  if (schema.enum && schema.enum.length > 0) return schema.enum[0];
  switch (typeName(schema)) {
    case "string":
      return "hello";
    case "number":
    case "integer":
      return 1;
    case "boolean":
      return true;
    case "array":
      return [];
    default:
      return {};
  }
}

/** `server__tool(a: string, b?: number)` */
function signature(tool: CatalogTool): string {
  const params = propertiesOf(tool).map(([name, schema, required]) => `${name}${required ? "" : "?"}: ${typeName(schema)}`);
  return `${tool.name}(${params.join(", ")})`;
}

function simpleArguments(tool: CatalogTool): boolean {
  const required = propertiesOf(tool).filter(([, , isRequired]) => isRequired);
  return required.length > 0 && required.every(([, schema]) => ["string", "number", "integer", "boolean"].includes(typeName(schema)));
}

function propertiesOf(tool: CatalogTool): [string, PropertySchema, boolean][] {
  const schema = tool.inputSchema as { properties?: Record<string, PropertySchema>; required?: string[] };
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties ?? {}).map(([name, property]) => [name, property, required.has(name)]);
}

function typeName(schema: PropertySchema): string {
  if (Array.isArray(schema.type)) return schema.type.join(" | ");
  return schema.type ?? "any";
}

function firstLine(text: string): string {
  const line = text.split("\n", 1)[0]?.trim() ?? "";
  return line.length > 100 ? `${line.slice(0, 99)}…` : line;
}
