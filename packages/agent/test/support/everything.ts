/** A real PooledMCPServerManager over @modelcontextprotocol/server-everything (stdio). */

import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { PooledMCPServerManager } from "mcp-pool";

const require = createRequire(import.meta.url);
const everythingDir = dirname(require.resolve("@modelcontextprotocol/server-everything/package.json"));

export function everythingManager(): PooledMCPServerManager {
  return new PooledMCPServerManager({
    mcpServers: {
      everything: { command: process.execPath, args: [join(everythingDir, "dist/index.js"), "stdio"] },
    },
  });
}
