/**
 * What PooledMCPServerManager's methods take and give back: its constructor options, the options of
 * each call, and a tool call's result.
 */

import type { ConnectionFactory } from "./connection-factory.js";
import type { ToolResultContent } from "./errors.js";
import type { ProgressUpdate } from "./tool-call.js";
import type { StderrMode } from "./transport.js";
import type { SessionResetReason, ToolFilter } from "./types.js";

export interface ManagerOptions {
  /** Environment for `${VAR}` expansion when given raw JSON (default process.env). */
  env?: Record<string, string | undefined>;
  /** Directory a relative `cwd` resolves against when given raw JSON (default process.cwd()). */
  baseDir?: string;
  /**
   * Where child processes' stderr lines go: nowhere ("ignore", the default), this process's stderr
   * ("inherit"), or a callback per line. Whatever the choice, stderr is read (as lines: `\n`, `\r\n`
   * or `\r` end one; a line is cut at 512 bytes) and its last 16 lines per child are kept, so that a
   * server that fails to start says why in the connect error.
   */
  stderr?: StderrMode;
  /** Client name and version announced to servers. */
  clientInfo?: { name: string; version: string };
  /**
   * Where pools get their connections (default: an SDK Client over each
   * server's configured transport, with `clientInfo` and `stderr` above).
   */
  connectionFactory?: ConnectionFactory;
}

export interface ListToolsOptions {
  /** A view on the catalog: allow/deny patterns on qualified names. */
  filter?: ToolFilter;
  /** Stops waiting for the listing (CallCancelledError); catalog loads shared with others go on. */
  signal?: AbortSignal;
  /**
   * The session that needs the listing. A per-session server whose tools are not
   * loaded yet and that has no client open reads them through this session's
   * client (which its calls use next), rather than through a client of its own.
   */
  sessionId?: string;
  /**
   * How long to wait for servers whose tools are not loaded yet (their loads start in the background if
   * none is in flight). Default: only a server's first load is waited for, until 5 s after it began; a
   * server still loading, or whose last load failed, is listed in `unavailable` at once
   * (`CatalogLoadingError`, or the error of its last load).
   */
  waitMs?: number;
}

/** What withClient() hands its callback besides the client. */
export interface ClientContext {
  /** Aborted by the caller's signal and by close(): pass it to every request made with the client. */
  signal: AbortSignal;
  /**
   * Set when this session's client of a per-session server is new because the
   * previous one idled out or died: what the server kept for the session is gone.
   */
  sessionReset?: SessionResetReason;
}

export interface CallToolOptions {
  /** Who is calling: per-session servers get a client per sessionId; per-session caps apply to it. */
  sessionId?: string;
  /**
   * Whose share of the server's `maxCallsPerSession` this call takes (default: `sessionId`). Pass the
   * same key for all of one user's sessions (e.g. their user id) so that opening more sessions does
   * not buy a user more calls at once.
   */
  fairnessKey?: string;
  /** Aborting sends `notifications/cancelled` for this call only and frees its slot at once. */
  signal?: AbortSignal;
  /** Overrides the server's `callTimeoutMs` for this call (reset by progress when progress is asked for). */
  timeoutMs?: number;
  /** Asks for the call's progress: each update is passed here and resets the call's timeout. */
  onProgress?: (update: ProgressUpdate) => void;
}

export interface WithClientOptions {
  sessionId?: string;
  /** As in CallToolOptions. */
  fairnessKey?: string;
  signal?: AbortSignal;
}

export interface ToolCallResult {
  /** The qualified name that was called. */
  name: string;
  server: string;
  /** The tool's name on its server. */
  tool: string;
  content: ToolResultContent[];
  structuredContent?: Record<string, unknown>;
  /**
   * Set on a session's first answer from a new client of a per-session server
   * whose previous client idled out or died: the call ran on a fresh server,
   * and what the server kept for the session (a page, a history) is gone.
   */
  sessionReset?: SessionResetReason;
}

export interface CloseOptions {
  /** How long calls in flight may go on before they fail with ManagerClosedError (default 5000). */
  graceMs?: number;
}
