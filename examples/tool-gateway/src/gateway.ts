/**
 * The team's own HTTP API in front of one shared PooledMCPServerManager:
 *   GET  /tools             the tool catalog (names, descriptions) and the servers that are down
 *   POST /tools/<name>      calls a tool; the body is its arguments (a JSON object)
 *   GET  /stats             the pools' numbers
 *   GET  /healthz           200 while serving, 503 once shutting down
 * Each request names its session in `x-session-id` (per-session servers give that session its own
 * client, and the per-session call cap counts it); without one, the call gets a session of its own.
 */

import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { McpPoolError, type McpPoolErrorCode, type PooledMCPServerManager } from "mcp-pool";

const MAX_BODY_BYTES = 64 * 1024;

/** What each library error means to this API's callers. */
const STATUS: Record<McpPoolErrorCode, number> = {
  tool_not_found: 404,
  server_not_found: 404,
  tool_error: 422,
  pool_busy: 503,
  pool_timeout: 503,
  server_unavailable: 503,
  catalog_loading: 503,
  manager_closed: 503,
  tool_timeout: 504,
  connection_lost: 502,
  tool_protocol_error: 502,
  result_too_large: 502,
  call_cancelled: 499,
  config_invalid: 500,
};

export interface Gateway {
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** From now on /healthz says 503 and new calls are refused; calls in flight go on. */
  stopAccepting(): void;
}

export function createGateway(manager: PooledMCPServerManager, log: (entry: Record<string, unknown>) => void): Gateway {
  let accepting = true;

  async function route(req: IncomingMessage, res: ServerResponse, signal: AbortSignal): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (req.method === "GET" && url.pathname === "/healthz")
      return send(res, accepting ? 200 : 503, { status: accepting ? "ok" : "closing" });
    if (!accepting) return send(res, 503, { error: { code: "shutting_down", message: "the service is shutting down" } });
    if (req.method === "GET" && url.pathname === "/stats") return send(res, 200, manager.stats());
    if (req.method === "GET" && url.pathname === "/tools") {
      const { tools, unavailable } = await manager.listTools({ signal });
      return send(res, 200, {
        tools: tools.map(({ name, description }) => ({ name, description })),
        unavailable: unavailable.map(({ server, error }) => ({ server, error: error.message })),
      });
    }
    const call = /^\/tools\/([\w-]{1,64})$/.exec(url.pathname);
    if (req.method === "POST" && call) {
      const args = await readJsonObject(req);
      const named = req.headers["x-session-id"];
      const sessionId = typeof named === "string" && named !== "" ? named : randomUUID();
      try {
        const result = await manager.callTool(call[1]!, args, { sessionId, signal });
        return send(res, 200, { content: result.content, structuredContent: result.structuredContent });
      } finally {
        if (named === undefined) await manager.releaseSession(sessionId);
      }
    }
    send(res, 404, { error: { code: "not_found", message: `no route ${req.method} ${url.pathname}` } });
  }

  return {
    handle(req, res) {
      // The caller hung up: its call is cancelled (notifications/cancelled), its pool slot freed.
      const aborted = new AbortController();
      res.once("close", () => aborted.abort());
      route(req, res, aborted.signal).catch((error: unknown) => {
        if (res.headersSent || aborted.signal.aborted) return;
        if (error instanceof BadRequestError) return send(res, 400, { error: { code: "bad_request", message: error.message } });
        if (error instanceof McpPoolError) {
          const mayHaveRun = "mayHaveRun" in error ? error.mayHaveRun : undefined;
          return send(res, STATUS[error.code], { error: { code: error.code, message: error.message, mayHaveRun } });
        }
        log({ msg: "request failed", error: String(error) });
        send(res, 500, { error: { code: "internal", message: "internal error" } });
      });
    },
    stopAccepting() {
      accepting = false;
    },
  };
}

class BadRequestError extends Error {}

async function readJsonObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  let body = "";
  for await (const chunk of req) {
    body += String(chunk);
    if (body.length > MAX_BODY_BYTES) throw new BadRequestError(`the body is over ${MAX_BODY_BYTES} bytes`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body || "{}");
  } catch {
    throw new BadRequestError("the body is not JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new BadRequestError("the body must be a JSON object");
  return parsed as Record<string, unknown>;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}
