/** A real PooledMCPServerManager over @modelcontextprotocol/server-everything (stdio). */

import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { PooledMCPServerManager } from "mcp-pool";

const require = createRequire(import.meta.url);
const everythingDir = dirname(require.resolve("@modelcontextprotocol/server-everything/package.json"));

/** The `mcpServers` entry that starts server-everything over stdio. */
export const everythingServer = { command: process.execPath, args: [join(everythingDir, "dist/index.js"), "stdio"] };

/** A command that does not exist: a server that cannot start. */
export const missingServer = { command: join(everythingDir, "no-such-server") };

export function everythingManager(): PooledMCPServerManager {
  return new PooledMCPServerManager({ mcpServers: { everything: everythingServer } });
}
