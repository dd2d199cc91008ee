/**
 * Chat servers for tests, started in-process on 127.0.0.1 port 0 with a real
 * manager over real MCP servers (stdio children):
 *   startChatServer(mcpServers, options)   writes the config to a temp file and starts createChatServer on it
 *   labEntry(extra), everythingEntry(extra) `mcpServers` entries (lab fixture tools: slow_read, echo, ...)
 *   mcpChildren()                           this process's MCP child processes now
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createChatServer, type ChatServer, type ChatServerOptions } from "../../src/index.js";
import { everythingStdioEntry, labStdioEntry } from "@mcp-pool/test-support/fixture-servers";
import { descendantPids } from "@mcp-pool/test-support/processes";

export const labEntry = labStdioEntry;
export const everythingEntry = everythingStdioEntry;

export interface TestServer extends ChatServer {
  configFile: string;
}

export async function startChatServer(mcpServers: Record<string, object>, options: ChatServerOptions = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), "mcp-pool-server-test-"));
  const configFile = join(dir, "mcp.json");
  writeFileSync(configFile, JSON.stringify({ mcpServers }));
  const server = await createChatServer({ host: "127.0.0.1", port: 0, logLevel: "silent", mcpConfig: configFile, ...options });
  const close = server.close;
  return Object.assign(server, {
    configFile,
    close: async (closeOptions?: { graceMs?: number }) => {
      await close(closeOptions);
      rmSync(dir, { recursive: true, force: true });
    },
  });
}

/** MCP server processes started by this test process (its descendants). */
export function mcpChildren(): number[] {
  return descendantPids(process.pid);
}
