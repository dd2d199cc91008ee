/** Public data types shared by the modules of the library. */

export type Sharing = "shared" | "per-session";

/**
 * Why a session of a per-session server got a new client, so that whatever the
 * server kept for it (a browser page, a history, a counter) is gone: its client
 * was closed after `idleTimeoutMs` without calls, or it died (the child exited,
 * the connection closed).
 */
export type SessionResetReason = "idle" | "connection lost";

export interface PoolOptions {
  /** Clients kept open once the pool has started (0 = fully lazy). */
  minConnections: number;
  /** Most clients open at once to this server (per-session: most dedicated clients). */
  maxConnections: number;
  /** Calls in flight on one client at once (one SDK Client multiplexes requests). */
  maxCallsPerConnection: number;
  /**
   * Shared pools: another client is opened only once a caller has waited this long for a slot
   * (0: as soon as the open clients' slots are taken). The first client, and idle ones, are taken at once.
   */
  growAfterWaitMs: number;
  /** Callers allowed to wait for a slot; beyond it, PoolBusyError at once. */
  maxWaiting: number;
  /** Longest wait for a slot before PoolTimeoutError. */
  acquireTimeoutMs: number;
  /** A client idle this long (above minConnections) is closed. */
  idleTimeoutMs: number;
  /** A client idle longer than this is checked with `ping` before it is lent again. */
  validateAfterIdleMs: number;
}

export interface CircuitOptions {
  /** Consecutive connect failures that open the circuit. */
  failureThreshold: number;
  /** First open period; doubles on each failed probe. */
  baseBackoffMs: number;
  /** Longest open period. */
  maxBackoffMs: number;
}

export interface ToolFilter {
  /** Only these tools (exact names, `*` wildcard). Empty or absent = all. */
  allow?: string[];
  /** Never these tools (exact names, `*` wildcard). Applied after allow. */
  deny?: string[];
}

interface CommonServerConfig {
  /** The key of the server in `mcpServers`. */
  name: string;
  sharing: Sharing;
  pool: PoolOptions;
  circuit: CircuitOptions;
  /** Per session: calls in flight to this server at once. */
  maxCallsPerSession: number;
  /** A call with no response and no progress for this long times out. */
  callTimeoutMs: number;
  /** A call times out after this long whatever its progress. */
  maxTotalTimeoutMs: number;
  /**
   * Every call asks for progress, and each progress notification resets its `callTimeoutMs` (up to
   * `maxTotalTimeoutMs`). Off, only calls given an `onProgress` do: the others have one timeout.
   */
  resetTimeoutOnProgress: boolean;
  /** Wait this long after SIGTERM before SIGKILL when ending a child. */
  killTimeoutMs: number;
  /** Starting a server and the MCP handshake must finish within this. */
  connectTimeoutMs: number;
  /**
   * A result (a message from the server) longer than this is not read: that call fails with
   * ResultTooLargeError, the connection and its other calls go on. stdio, and HTTP JSON responses.
   */
  maxResultBytes: number;
  tools: ToolFilter;
  /**
   * What `${VAR}` references in `env`, `headers`, `args` and `url` expanded to (filled in by the config
   * loader): never shown in an error, a warning, a log line or stats (redaction.ts).
   */
  secrets?: readonly string[];
}

export interface StdioServerConfig extends CommonServerConfig {
  type: "stdio";
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string | undefined;
}

export interface HttpServerConfig extends CommonServerConfig {
  type: "http";
  url: string;
  headers: Record<string, string>;
  /** `auto` tries Streamable HTTP and falls back to SSE. */
  transport: "auto" | "streamable-http" | "sse";
}

export type ServerConfig = StdioServerConfig | HttpServerConfig;

/** A validated configuration with every default filled in. */
export interface ManagerConfig {
  servers: ServerConfig[];
}

/** A tool of the shared catalog, under its LLM-safe qualified name. */
export interface CatalogTool {
  /** `<server>__<tool>`, `^[a-zA-Z0-9_-]{1,64}$`, unique across servers. */
  name: string;
  server: string;
  /** The tool's name on its MCP server. */
  tool: string;
  title: string | undefined;
  description: string;
  /** JSON Schema of the arguments. */
  inputSchema: Record<string, unknown>;
  annotations: ToolAnnotations;
}

export interface ToolAnnotations {
  title?: string;
  readOnlyHint?: boolean;
  destructiveHint?: boolean;
  idempotentHint?: boolean;
  openWorldHint?: boolean;
}

/** The catalog as one caller sees it. */
export interface ToolListing {
  tools: CatalogTool[];
  /** Servers whose tools could not be listed, and why. */
  unavailable: { server: string; error: Error }[];
}
