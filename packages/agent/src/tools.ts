/**
 * The agent's view of the tools: list them, call one for a session. A
 * PooledMCPServerManager satisfies it as it is; tests or other services may
 * give their own.
 */

import type { CallToolOptions, ToolCallResult, ToolFilter, ToolListing } from "mcp-pool";

export interface ToolProvider {
  listTools(filter?: ToolFilter): Promise<ToolListing>;
  callTool(
    name: string,
    args: Record<string, unknown>,
    options: Pick<CallToolOptions, "sessionId" | "signal">,
  ): Promise<ToolCallResult>;
}
