/**
 * The seam between the pools and real connections (undici's pool `factory`):
 * a pool asks its factory for a connection, connects it, lends its `client`,
 * and closes it. The default factory makes an SDK Client over the server's
 * configured transport (connection.ts); tests and embedders may give their own.
 */

import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { ServerConfig } from "./types.js";

/** One MCP connection as a pool drives it. */
export interface PoolConnection {
  /** Unique in the process, for logs. */
  readonly id: number;
  /** The SDK client; usable once connect() has resolved. Tool calls and withClient() use it. */
  readonly client: Client;
  /** Connects (spawn and handshake); rejects with why it could not. Called once. */
  connect(): Promise<void>;
  /**
   * Ends the connection: its HTTP session or child process. Resolves once it
   * is gone. Idempotent; during connect() it makes connect() reject.
   */
  close(): Promise<void>;
}

/** What a connection tells its pool. */
export interface ConnectionEvents {
  /**
   * The connection ended by itself after connect() resolved (the child exited,
   * the transport closed). At most once; never after close() was called.
   */
  onClosed(reason: string): void;
  /** The server sent `notifications/tools/list_changed`. */
  onToolsChanged(): void;
  /** Something the server did wrong that no caller sees (garbage on stdout, a result over the limit): for the log. */
  onWarning?(message: string): void;
  /** Detail for the debug log only (an upstream HTTP error's body), already redacted. */
  onDebug?(message: string, detail: string): void;
}

export interface ConnectionRequest {
  server: ServerConfig;
  /** The session a per-session server's connection is for; undefined in shared pools. */
  sessionId: string | undefined;
  events: ConnectionEvents;
}

/** Makes an unconnected connection; the pool calls connect() next. */
export type ConnectionFactory = (request: ConnectionRequest) => PoolConnection;
