/**
 * Paged list requests through a lent client (every page, following
 * `nextCursor`), each request under the caller's signal. Tools are listed with
 * a plain request rather than client.listTools(), which would make that one
 * client check tool outputs on its own: the pool checks them for every client
 * (output-schema.ts).
 */

import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { ListToolsResultSchema, type Prompt, type Resource, type Tool } from "@modelcontextprotocol/sdk/types.js";

export function listAllTools(client: Client, signal: AbortSignal): Promise<Tool[]> {
  return listAll((params) => client.request({ method: "tools/list", params }, ListToolsResultSchema, { signal }), "tools");
}

export function listAllResources(client: Client, signal: AbortSignal): Promise<Resource[]> {
  return listAll((params) => client.listResources(params, { signal }), "resources");
}

export function listAllPrompts(client: Client, signal: AbortSignal): Promise<Prompt[]> {
  return listAll((params) => client.listPrompts(params, { signal }), "prompts");
}

async function listAll<K extends string, T>(
  fetchPage: (params: { cursor: string } | undefined) => Promise<{ [key in K]: T[] } & { nextCursor?: string }>,
  key: K,
): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await fetchPage(cursor === undefined ? undefined : { cursor });
    items.push(...page[key]);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return items;
}
