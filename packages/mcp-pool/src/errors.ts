/**
 * Every error the library throws on purpose. Each has a stable string `code`
 * that callers may switch on; messages are for humans and may change.
 *
 * One constructor shape: `new XError(message, options)`. `instanceof` works
 * across two copies of this package (undici's model): every error carries the
 * `Symbol.for("mcp-pool.error")` brand, and each class's `Symbol.hasInstance`
 * checks the brand and, for a subclass, the code.
 */

export type McpPoolErrorCode =
  | "config_invalid"
  | "pool_busy"
  | "pool_timeout"
  | "server_unavailable"
  | "catalog_loading"
  | "server_not_found"
  | "tool_not_found"
  | "tool_timeout"
  | "tool_error"
  | "tool_protocol_error"
  | "result_too_large"
  | "connection_lost"
  | "call_cancelled"
  | "manager_closed";

import type { SessionResetReason } from "./types.js";

/** Shared by every copy of the package (Symbol.for is process-wide). */
const BRAND = Symbol.for("mcp-pool.error");

export interface McpPoolErrorOptions {
  /** The MCP server (config key) the error concerns, when there is one. */
  server?: string;
  cause?: unknown;
}

export abstract class McpPoolError extends Error {
  abstract readonly code: McpPoolErrorCode;
  /** The MCP server (config key) the error concerns, when there is one. */
  readonly server: string | undefined;

  constructor(message: string, options: McpPoolErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.server = options.server;
    Object.defineProperty(this, BRAND, { value: true });
  }

  /** Branded, and for a subclass the same code: true for errors of another copy of this package too. */
  static override [Symbol.hasInstance](instance: unknown): boolean {
    if (typeof instance !== "object" || instance === null || (instance as { [BRAND]?: unknown })[BRAND] !== true) return false;
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class instanceof was asked about, a subclass included
    const code = (this as { code?: unknown }).code;
    return code === undefined || (instance as { code?: unknown }).code === code;
  }
}

/** The configuration is invalid; the message names the server and the key. */
export class ConfigError extends McpPoolError {
  static readonly code = "config_invalid";
  readonly code = ConfigError.code;
  /** Path of the offending key, e.g. `mcpServers.crm.pool.maxConnections`. */
  readonly path: string;
  constructor(message: string, options: McpPoolErrorOptions & { path?: string } = {}) {
    super(message, options);
    this.path = options.path ?? "";
  }
}

/** Every slot is taken and the wait queue is full: rejected at once. */
export class PoolBusyError extends McpPoolError {
  static readonly code = "pool_busy";
  readonly code = PoolBusyError.code;
}

/** Waited longer than `acquireTimeoutMs` for a slot. */
export class PoolTimeoutError extends McpPoolError {
  static readonly code = "pool_timeout";
  readonly code = PoolTimeoutError.code;
}

/** The server cannot be reached (connect failed, or its circuit is open). */
export class ServerUnavailableError extends McpPoolError {
  static readonly code = "server_unavailable";
  readonly code = ServerUnavailableError.code;
  /** When the circuit is open: epoch ms of the next connection attempt. */
  readonly retryAt: number | undefined;
  constructor(message: string, options: McpPoolErrorOptions & { retryAt?: number } = {}) {
    super(message, options);
    this.retryAt = options.retryAt;
  }
}

/**
 * In `listTools().unavailable`: the server's tool list is being loaded in the background and was not
 * there when the listing answered (a server still starting, or one whose connect hangs); no load of it
 * has failed yet. A later listing has it once it is loaded.
 */
export class CatalogLoadingError extends McpPoolError {
  static readonly code = "catalog_loading";
  readonly code = CatalogLoadingError.code;
}

/** No MCP server of that name is configured (a caller's mistake, not an outage). */
export class UnknownServerError extends McpPoolError {
  static readonly code = "server_not_found";
  readonly code = UnknownServerError.code;
}

/** No tool of that name in the catalog (or it is filtered out). */
export class ToolNotFoundError extends McpPoolError {
  static readonly code = "tool_not_found";
  readonly code = ToolNotFoundError.code;
  /** The name the caller asked for. */
  readonly tool: string;
  constructor(message: string, options: McpPoolErrorOptions & { tool: string }) {
    super(message, options);
    this.tool = options.tool;
  }
}

/** The call outlived `callTimeoutMs` without progress, or `maxTotalTimeoutMs`. */
export class ToolCallTimeoutError extends McpPoolError {
  static readonly code = "tool_timeout";
  readonly code = ToolCallTimeoutError.code;
  readonly timeoutMs: number;
  constructor(message: string, options: McpPoolErrorOptions & { timeoutMs: number }) {
    super(message, options);
    this.timeoutMs = options.timeoutMs;
  }
}

/** Options of the errors that are a server's answer to a call. */
export interface AnswerOptions {
  /** The answer came from a per-session server's new client: see ToolCallResult.sessionReset. */
  sessionReset?: SessionResetReason | undefined;
}

/** Content of a tool result, as MCP returns it. */
export interface ToolResultContent {
  type: string;
  text?: string;
  [key: string]: unknown;
}

/**
 * The tool ran and answered `isError: true`; `content` is what it said. Only
 * that: a request the server refused or a result that broke the protocol is a
 * ToolProtocolError.
 */
export class ToolCallError extends McpPoolError {
  static readonly code = "tool_error";
  readonly code = ToolCallError.code;
  readonly tool: string;
  readonly content: ToolResultContent[];
  /** As on ToolCallResult: the tool ran on a fresh server of a per-session server (its earlier state is gone). */
  readonly sessionReset: SessionResetReason | undefined;
  constructor(message: string, options: McpPoolErrorOptions & AnswerOptions & { tool: string; content: ToolResultContent[] }) {
    super(message, options);
    this.tool = options.tool;
    this.content = options.content;
    this.sessionReset = options.sessionReset;
  }

  /** The error for a result with `isError: true`: its text parts are the message. */
  static fromResult(tool: string, content: ToolResultContent[], options: McpPoolErrorOptions & AnswerOptions = {}): ToolCallError {
    const text = content.map((part) => (typeof part.text === "string" ? part.text : `[${part.type}]`)).join("\n");
    return new ToolCallError(text || `Tool "${tool}" failed`, { ...options, tool, content });
  }
}

/**
 * The call failed at the protocol level, not in the tool: the server answered
 * with a JSON-RPC error (invalid params, method not found, an internal error),
 * or its result broke the protocol (structured content that does not match the
 * tool's output schema, or none where the schema requires it). `jsonRpcCode`
 * is the server's error code when it sent one.
 */
export class ToolProtocolError extends McpPoolError {
  static readonly code = "tool_protocol_error";
  readonly code = ToolProtocolError.code;
  readonly tool: string;
  readonly jsonRpcCode: number | undefined;
  /** As on ToolCallResult: the server that answered is a fresh one for this session. */
  readonly sessionReset: SessionResetReason | undefined;
  constructor(message: string, options: McpPoolErrorOptions & AnswerOptions & { tool: string; jsonRpcCode?: number }) {
    super(message, options);
    this.tool = options.tool;
    this.jsonRpcCode = options.jsonRpcCode;
    this.sessionReset = options.sessionReset;
  }
}

/**
 * The server's answer was longer than the server's `maxResultBytes`: it was
 * not read, and the call failed. The tool ran (so the call is never repeated);
 * the connection and its other calls went on.
 */
export class ResultTooLargeError extends McpPoolError {
  static readonly code = "result_too_large";
  readonly code = ResultTooLargeError.code;
  readonly tool: string;
  /** Bytes of the answer (at least). */
  readonly bytes: number;
  /** The server's maxResultBytes. */
  readonly limit: number;
  constructor(message: string, options: McpPoolErrorOptions & { tool: string; bytes: number; limit: number }) {
    super(message, options);
    this.tool = options.tool;
    this.bytes = options.bytes;
    this.limit = options.limit;
  }
}

/**
 * The connection carrying the call died. `mayHaveRun` is true when the request
 * had reached the server, so it may have taken effect: the caller decides
 * whether to repeat it. Read-only and idempotent tools are retried once before
 * this error is thrown.
 */
export class ConnectionLostError extends McpPoolError {
  static readonly code = "connection_lost";
  readonly code = ConnectionLostError.code;
  readonly mayHaveRun: boolean;
  constructor(message: string, options: McpPoolErrorOptions & { mayHaveRun: boolean }) {
    super(message, options);
    this.mayHaveRun = options.mayHaveRun;
  }
}

/** The caller's AbortSignal fired; `notifications/cancelled` was sent if the call had started. */
export class CallCancelledError extends McpPoolError {
  static readonly code = "call_cancelled";
  readonly code = CallCancelledError.code;
}

/** The manager is closing or closed. */
export class ManagerClosedError extends McpPoolError {
  static readonly code = "manager_closed";
  readonly code = ManagerClosedError.code;
  constructor(message = "The MCP pool manager is closed", options: McpPoolErrorOptions = {}) {
    super(message, options);
  }
}
