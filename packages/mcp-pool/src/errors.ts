/**
 * Every error the library throws on purpose. Each has a stable string `code`
 * that callers may switch on; messages are for humans and may change.
 */

export type McpPoolErrorCode =
  | "config_invalid"
  | "pool_busy"
  | "pool_timeout"
  | "server_unavailable"
  | "tool_not_found"
  | "tool_timeout"
  | "tool_error"
  | "connection_lost"
  | "call_cancelled"
  | "manager_closed";

export abstract class McpPoolError extends Error {
  abstract readonly code: McpPoolErrorCode;
  /** The MCP server (config key) the error concerns, when there is one. */
  readonly server: string | undefined;

  constructor(message: string, options: { server?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.server = options.server;
  }
}

/** The configuration is invalid; the message names the server and the key. */
export class ConfigError extends McpPoolError {
  readonly code = "config_invalid";
  /** Path of the offending key, e.g. `mcpServers.crm.pool.maxConnections`. */
  readonly path: string;
  constructor(message: string, options: { server?: string; path?: string; cause?: unknown } = {}) {
    super(message, options);
    this.path = options.path ?? "";
  }
}

/** Every slot is taken and the wait queue is full: rejected at once. */
export class PoolBusyError extends McpPoolError {
  readonly code = "pool_busy";
}

/** Waited longer than `acquireTimeoutMs` for a slot. */
export class PoolTimeoutError extends McpPoolError {
  readonly code = "pool_timeout";
}

/** The server cannot be reached (connect failed, or its circuit is open). */
export class ServerUnavailableError extends McpPoolError {
  readonly code = "server_unavailable";
  /** When the circuit is open: epoch ms of the next connection attempt. */
  readonly retryAt: number | undefined;
  constructor(message: string, options: { server?: string; cause?: unknown; retryAt?: number } = {}) {
    super(message, options);
    this.retryAt = options.retryAt;
  }
}

/** No tool of that name in the catalog (or it is filtered out). */
export class ToolNotFoundError extends McpPoolError {
  readonly code = "tool_not_found";
  readonly tool: string;
  constructor(tool: string, message = `Unknown tool "${tool}"`, options: { server?: string } = {}) {
    super(message, options);
    this.tool = tool;
  }
}

/** The call outlived `callTimeoutMs` without progress, or `maxTotalTimeoutMs`. */
export class ToolCallTimeoutError extends McpPoolError {
  readonly code = "tool_timeout";
  readonly timeoutMs: number;
  constructor(message: string, options: { server?: string; timeoutMs: number; cause?: unknown }) {
    super(message, options);
    this.timeoutMs = options.timeoutMs;
  }
}

/** Content of a tool result, as MCP returns it. */
export interface ToolResultContent {
  type: string;
  text?: string;
  [key: string]: unknown;
}

/** The tool ran and reported failure (`isError: true`); `content` is what it said. */
export class ToolCallError extends McpPoolError {
  readonly code = "tool_error";
  readonly tool: string;
  readonly content: ToolResultContent[];
  constructor(tool: string, content: ToolResultContent[], options: { server?: string } = {}) {
    const text = content
      .map((c) => (typeof c.text === "string" ? c.text : `[${c.type}]`))
      .join("\n");
    super(text || `Tool "${tool}" failed`, options);
    this.tool = tool;
    this.content = content;
  }
}

/**
 * The connection carrying the call died. `mayHaveRun` is true when the request
 * had reached the server, so it may have taken effect: the caller decides
 * whether to repeat it. Read-only and idempotent tools are retried once before
 * this error is thrown.
 */
export class ConnectionLostError extends McpPoolError {
  readonly code = "connection_lost";
  readonly mayHaveRun: boolean;
  constructor(message: string, options: { server?: string; mayHaveRun: boolean; cause?: unknown }) {
    super(message, options);
    this.mayHaveRun = options.mayHaveRun;
  }
}

/** The caller's AbortSignal fired; `notifications/cancelled` was sent if the call had started. */
export class CallCancelledError extends McpPoolError {
  readonly code = "call_cancelled";
}

/** The manager is closing or closed. */
export class ManagerClosedError extends McpPoolError {
  readonly code = "manager_closed";
  constructor(message = "The MCP pool manager is closed", options: { server?: string } = {}) {
    super(message, options);
  }
}
