/**
 * mcp-pool: share a small, bounded set of MCP client connections among many
 * chat agents. This file is the public API; everything else is internal.
 */

// The manager
export { PooledMCPServerManager } from "./manager.js";
export type {
  ManagerOptions,
  CallToolOptions,
  WithClientOptions,
  ClientContext,
  ListToolsOptions,
  ToolCallResult,
  CloseOptions,
} from "./manager-options.js";
export type { ProgressUpdate } from "./tool-call.js";

export type { ProbeOptions, ProbeResult, ProbeFailure } from "./probe.js";

// Connections (the factory seam)
export type { ConnectionFactory, ConnectionRequest, ConnectionEvents, PoolConnection } from "./connection-factory.js";

// Configuration
export { parseConfig, loadConfigFile } from "./config.js";
export { expandEnv } from "./env-expansion.js";
export type { McpServersJson } from "./config.js";
export type {
  ManagerConfig,
  ServerConfig,
  StdioServerConfig,
  HttpServerConfig,
  PoolOptions,
  CircuitOptions,
  Sharing,
  SessionResetReason,
  ToolFilter,
} from "./types.js";

// Tool catalog
export { toOpenAITools, fitOpenAITools, checkOpenAIToolLimits, OPENAI_TOOL_LIMITS } from "./openai-tools.js";
export type { OpenAIFunctionTool, OpenAIToolLimits, OpenAIToolRef, OpenAIToolsFit } from "./openai-tools.js";
export { qualifyToolName } from "./tool-names.js";
export type { CatalogTool, ToolAnnotations, ToolListing } from "./types.js";

// Stats and events
export type { ManagerStats, ServerStats, CircuitState } from "./stats.js";
export type { ManagerEvents } from "./events.js";

// Errors
export {
  McpPoolError,
  ConfigError,
  PoolBusyError,
  PoolTimeoutError,
  ServerUnavailableError,
  CatalogLoadingError,
  UnknownServerError,
  ToolNotFoundError,
  ToolCallTimeoutError,
  ToolCallError,
  ToolProtocolError,
  ResultTooLargeError,
  ConnectionLostError,
  CallCancelledError,
  ManagerClosedError,
} from "./errors.js";
export type { McpPoolErrorCode, McpPoolErrorOptions, ToolResultContent } from "./errors.js";
