/**
 * An MCP server's HTTP error body (a JSON error that may echo our headers, a
 * proxy's HTML page) never reaches a caller, /readyz or /tools: the SDK puts
 * the body it reads in its error message, so the body it gets is replaced with
 * `HTTP 401 Unauthorized`. The original goes to `onErrorBody`, for the debug
 * log only (the connection redacts it).
 */

import { STATUS_CODES } from "node:http";
import type { FetchLike } from "@modelcontextprotocol/sdk/shared/transport.js";

/** Enough of a body to say why in a debug log. */
const MAX_LOGGED_BODY = 2_000;

export function withErrorBodiesCut(fetch: FetchLike, onErrorBody: (status: number, body: string) => void): FetchLike {
  return async (url, init) => {
    const response = await fetch(url, init);
    if (response.status < 400) return response;
    const body = await response.text().catch((error: unknown) => `(the body could not be read: ${String(error)})`);
    if (body !== "") onErrorBody(response.status, body.slice(0, MAX_LOGGED_BODY));
    const short = `HTTP ${response.status} ${STATUS_CODES[response.status] ?? response.statusText}`.trim();
    return new Response(short, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}
