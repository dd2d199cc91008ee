/** The console's text: the catalog, one tool in detail, example arguments. */

import type { CatalogTool, ToolListing } from "mcp-pool";

interface PropertySchema {
  type?: string | string[];
  description?: string;
  enum?: unknown[];
  default?: unknown;
}

/** Tools listed in one `/tools` answer at most; more are on further pages (`--page N`). */
export const TOOLS_PER_PAGE = 100;
/** A signature or an error line longer than this is cut, so a page stays small whatever the tools. */
const MAX_LINE = 200;

export interface CatalogPage {
  /** 1-based. */
  page: number;
  /** The command that lists these tools again, for the "next page" hint (e.g. `/tools fs`). */
  command: string;
  emptyText: string;
}

/**
 * One page of the catalog, grouped by server in catalog order: a heading per server with its count,
 * then per tool its signature and its description's first line; the servers that are down; how to
 * call one and how to see the next page.
 */
export function formatCatalog(listing: ToolListing, { page, command, emptyText }: CatalogPage): string {
  const { tools } = listing;
  const pages = Math.max(1, Math.ceil(tools.length / TOOLS_PER_PAGE));
  const onPage = tools.slice((page - 1) * TOOLS_PER_PAGE, page * TOOLS_PER_PAGE);
  const lines: string[] = [];
  if (tools.length === 0) {
    lines.push(emptyText);
  } else {
    const servers = new Set(tools.map((tool) => tool.server)).size;
    const where = pages > 1 ? `, page ${page} of ${pages}` : "";
    lines.push(`${count(tools.length, "tool")} on ${count(servers, "server")}${where}:`);
    for (const [server, group] of groupByServer(onPage)) {
      const total = tools.filter((tool) => tool.server === server).length;
      const part = group.length < total ? `, ${group.length} on this page` : "";
      lines.push("", `${server} (${count(total, "tool")}${part})`);
      for (const tool of group) {
        lines.push(`  ${cut(signature(tool), MAX_LINE)}`);
        const summary = firstLine(tool.description);
        if (summary) lines.push(`      ${summary}`);
      }
    }
  }
  if (listing.unavailable.length > 0) {
    lines.push("", "Not available now:");
    for (const { server, error } of listing.unavailable) lines.push(`    ${cut(`${server}: ${error.message}`, MAX_LINE)}`);
  }
  const example = onPage.find((tool) => simpleArguments(tool)) ?? onPage[0];
  if (example) {
    lines.push(
      "",
      "Call one with /call <tool> <json-args>, e.g.",
      `    /call ${example.name} ${JSON.stringify(exampleArguments(example))}`,
    );
  }
  if (page < pages) lines.push("", `More: ${command} --page ${page + 1}`);
  return lines.join("\n");
}

function groupByServer(tools: CatalogTool[]): Map<string, CatalogTool[]> {
  const groups = new Map<string, CatalogTool[]>();
  for (const tool of tools) {
    const group = groups.get(tool.server);
    if (group) group.push(tool);
    else groups.set(tool.server, [tool]);
  }
  return groups;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
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
