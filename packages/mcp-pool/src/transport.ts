/** Builds the transport a server's config asks for: our stdio transport, or the SDK's HTTP ones. */

import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { getDefaultEnvironment } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { Dispatcher } from "undici";
import type { AnswerWatch } from "./http-answer-loss.js";
import { transportFetch } from "./transport-fetch.js";
import { withErrorBodiesCut } from "./http-error-bodies.js";
import type { StderrTail } from "./stderr-tail.js";
import { StdioTransport } from "./stdio-transport.js";
import type { HttpServerConfig, StdioServerConfig } from "./types.js";

export type StderrMode = "ignore" | "inherit" | ((server: string, line: string) => void);

export type HttpTransportKind = "streamable-http" | "sse";

/**
 * A stdio transport whose child's stderr is always read, into `stderr` (its tail, and lines passed on).
 * The child gets a few variables of ours (PATH, HOME...: the SDK's default set) and the config's `env`.
 */
export function createStdioTransport(config: StdioServerConfig, stderr: StderrTail, onWarning: (message: string) => void): StdioTransport {
  return new StdioTransport({
    command: config.command,
    args: config.args,
    env: { ...getDefaultEnvironment(), ...config.env },
    cwd: config.cwd,
    stderr,
    maxMessageBytes: config.maxResultBytes,
    killTimeoutMs: config.killTimeoutMs,
    onWarning,
  });
}

/** What an HTTP transport tells its connection besides the SDK's own callbacks. */
export interface HttpTransportEvents {
  /** An upstream error body, swapped for a short status before anyone quotes it (http-error-bodies.ts). */
  onErrorBody(status: number, body: string): void;
  /** The answers due to the transport's requests (http-answer-loss.ts); a new one per transport. */
  answers: AnswerWatch;
}

/**
 * Its requests go through `dispatcher`: the connection's own sockets, closed with it. An HTTP error's body
 * goes to `events.onErrorBody`, not into the SDK's error messages (http-error-bodies.ts).
 */
export function createHttpTransport(
  config: HttpServerConfig,
  kind: HttpTransportKind,
  dispatcher: Dispatcher,
  events: HttpTransportEvents,
): Transport {
  const url = new URL(config.url);
  const requestInit: RequestInit = { headers: config.headers };
  // A pooled client lives for many calls: each request gets its own abort signal (see transport-fetch.ts).
  // Legacy SSE answers every POST on the one event stream, which is the session (connection.ts).
  if (kind === "sse")
    return new SSEClientTransport(url, { requestInit, fetch: withErrorBodiesCut(transportFetch(dispatcher), events.onErrorBody) });
  // An SSE answer that ends without its answer fails its requests at once (http-answer-loss.ts).
  const { answers } = events;
  const fetch = withErrorBodiesCut(transportFetch(dispatcher, answers), events.onErrorBody);
  // Reconnecting the standalone GET stream is the SDK's job; a dead session is ours (404 → new client).
  const transport = new StreamableHTTPClientTransport(url, {
    requestInit,
    fetch,
    reconnectionOptions: { maxReconnectionDelay: 30_000, initialReconnectionDelay: 1_000, reconnectionDelayGrowFactor: 2, maxRetries: 2 },
  });
  // Before the client's: the SDK's Protocol calls a handler set before it connects, then its own.
  transport.onmessage = answers.onmessage;
  return transport;
}

/** The HTTP flavours to try, in order, for a server config. */
export function httpTransportKinds(config: HttpServerConfig): HttpTransportKind[] {
  if (config.transport === "auto") return ["streamable-http", "sse"];
  return [config.transport];
}
