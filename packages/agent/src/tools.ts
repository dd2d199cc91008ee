/**
 * The agent's view of the tools: list them, call one for a session. A
 * PooledMCPServerManager satisfies it as it is; tests or other services may
 * give their own.
 */

import type { CallToolOptions, ListToolsOptions, ToolCallResult, ToolListing } from "mcp-pool";

export interface ToolProvider {
  /**
   * The catalog through the agent's filter. `sessionId` is the agent's: a
   * per-session server not loaded yet reads its tools through that session's client.
   */
  listTools(options: Pick<ListToolsOptions, "filter" | "sessionId">): Promise<ToolListing>;
  /** `onProgress` hears the tool's progress notifications (a provider may ignore it). */
  callTool(
    name: string,
    args: Record<string, unknown>,
    options: Pick<CallToolOptions, "sessionId" | "signal" | "onProgress">,
  ): Promise<ToolCallResult>;
}
