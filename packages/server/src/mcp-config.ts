/**
 * Reads an `mcpServers` JSON file for the manager. A relative `cwd` is taken
 * relative to the file's own folder, so a config kept in a repository works
 * from wherever the server is started.
 */

import { readFile } from "node:fs/promises";
import path from "node:path";
import type { McpServersJson } from "mcp-pool";

export class McpConfigFileError extends Error {
  readonly code = "mcp_config_unreadable";
  readonly file: string;
  constructor(file: string, message: string, cause?: unknown) {
    super(`MCP_CONFIG ${file}: ${message}`, { cause });
    this.name = "McpConfigFileError";
    this.file = file;
  }
}

export async function readMcpConfigFile(file: string): Promise<McpServersJson> {
  const absolute = path.resolve(file);
  let text: string;
  try {
    text = await readFile(absolute, "utf8");
  } catch (error) {
    throw new McpConfigFileError(absolute, (error as Error).message, error);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new McpConfigFileError(absolute, `not valid JSON (${(error as Error).message})`, error);
  }
  resolveRelativeCwds(json, path.dirname(absolute));
  // The manager validates the shape and names the offending server and key.
  return json as McpServersJson;
}

function resolveRelativeCwds(json: unknown, baseDir: string): void {
  const servers = isObject(json) && isObject(json.mcpServers) ? json.mcpServers : {};
  for (const entry of Object.values(servers)) {
    if (isObject(entry) && typeof entry.cwd === "string" && !path.isAbsolute(entry.cwd)) {
      entry.cwd = path.resolve(baseDir, entry.cwd);
    }
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
