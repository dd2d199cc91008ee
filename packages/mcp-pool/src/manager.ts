// SKELETON: signatures only; the implementation is being written.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { ToolResultContent } from "./errors.js";
import type { ManagerEvents } from "./events.js";
import { TypedEmitter } from "./events.js";
import type { ManagerStats } from "./stats.js";
import type { ManagerConfig, ToolFilter, ToolListing } from "./types.js";
import type { McpServersJson } from "./config.js";

export interface ManagerOptions {
  /** Environment used for `${VAR}` expansion when given raw JSON (default process.env). */
  env?: Record<string, string | undefined>;
  /** Child processes' stderr: "ignore" (default), "inherit", or a callback per line. */
  stderr?: "ignore" | "inherit" | ((server: string, line: string) => void);
  /** Client name/version announced to servers. */
  clientInfo?: { name: string; version: string };
}

export interface ProgressUpdate {
  progress: number;
  total?: number;
  message?: string;
}

export interface CallToolOptions {
  /** Who is calling: per-session servers get a client per sessionId; caps apply per sessionId. */
  sessionId?: string;
  signal?: AbortSignal;
  /** Overrides the server's callTimeoutMs for this call. */
  timeoutMs?: number;
  onProgress?: (update: ProgressUpdate) => void;
}

export interface WithClientOptions {
  sessionId?: string;
  signal?: AbortSignal;
}

export interface ToolCallResult {
  /** The qualified name that was called. */
  name: string;
  server: string;
  tool: string;
  content: ToolResultContent[];
  structuredContent?: Record<string, unknown>;
}

export interface CloseOptions {
  /** How long calls in flight may finish before they are failed (default 5000). */
  graceMs?: number;
}

export declare class PooledMCPServerManager extends TypedEmitter<ManagerEvents> {
  constructor(config: ManagerConfig | McpServersJson, options?: ManagerOptions);
  static fromFile(path: string, options?: ManagerOptions): Promise<PooledMCPServerManager>;
  readonly config: ManagerConfig;
  listTools(filter?: ToolFilter): Promise<ToolListing>;
  callTool(name: string, args?: Record<string, unknown>, options?: CallToolOptions): Promise<ToolCallResult>;
  withClient<T>(server: string, fn: (client: Client) => Promise<T>, options?: WithClientOptions): Promise<T>;
  releaseSession(sessionId: string): Promise<void>;
  warmUp(): Promise<void>;
  stats(): ManagerStats;
  close(options?: CloseOptions): Promise<void>;
}
