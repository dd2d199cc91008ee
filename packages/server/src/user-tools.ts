/**
 * The shared manager as one socket's agent sees it: every call counts against
 * its user's share of each server's `maxCallsPerSession` (the fairness key:
 * the user, or an anonymous user's remote address), so a user who opens more
 * sockets gets no more calls at once.
 */

import type { ToolProvider } from "@mcp-pool/agent";
import type { PooledMCPServerManager } from "mcp-pool";

export function toolsForUser(manager: PooledMCPServerManager, fairnessKey: string): ToolProvider {
  return {
    listTools: (filter) => manager.listTools(filter),
    callTool: (name, args, options) => manager.callTool(name, args, { ...options, fairnessKey }),
  };
}
