/**
 * One tool call on a pool: borrow a slot, send with the server's timeouts
 * (reset by progress when asked for, capped in total), and turn what went wrong into a typed
 * error. A call whose connection died, or whose HTTP request failed, is
 * repeated once only when repeating cannot do harm: the request never reached
 * the server, or the tool says it is read-only or idempotent.
 */

import type { RequestOptions } from "@modelcontextprotocol/sdk/shared/protocol.js";
import { StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { CallToolResultSchema, ErrorCode, McpError, type CallToolResult, type Tool } from "@modelcontextprotocol/sdk/types.js";
import type { CallControl } from "./call-control.js";
import { describeFailure } from "./connect-errors.js";
import { isSessionExpired } from "./connection.js";
import { lostAnswerReason } from "./http-answer-loss.js";
import {
  ConnectionLostError,
  McpPoolError,
  ResultTooLargeError,
  ToolCallError,
  ToolCallTimeoutError,
  ToolProtocolError,
  type ToolResultContent,
} from "./errors.js";
import { outputSchemaProblem } from "./output-schema.js";
import { resultTooLargeOf } from "./result-size.js";
import type { Lease, ServerPool } from "./server-pool.js";
import type { SessionResetReason } from "./types.js";
import { cancellation } from "./wait-queue.js";

export interface ProgressUpdate {
  progress: number;
  total?: number;
  message?: string;
}

export interface ToolCallRequest {
  pool: ServerPool;
  /** The tool as the catalog lists it (annotations, output schema). */
  tool: Tool;
  args: Record<string, unknown>;
  sessionId: string | undefined;
  /** Whose share of maxCallsPerSession the call takes. */
  fairnessKey: string | undefined;
  /**
   * The call's own control: the caller's signal and close() end it, and so
   * does `maxTotalTimeoutMs` here. Its signal goes to the SDK only when the
   * call needs one (see runToolCall).
   */
  control: CallControl;
  /** The caller passed a signal (it may cancel the call). */
  cancellable: boolean;
  maxTotalTimeoutMs: number;
  timeoutMs: number;
  onProgress: ((update: ProgressUpdate) => void) | undefined;
  /** Called once the call holds a slot, with the time it waited (if anyone listens). */
  onStarted: ((waitMs: number) => void) | undefined;
}

export interface ToolCallOutcome {
  result: CallToolResult;
  /** The call was its session's first answer from a new client (see Lease.takeSessionReset). */
  sessionReset: SessionResetReason | undefined;
}

interface Lost {
  mayHaveRun: boolean;
  reason: string;
  /**
   * The client is gone with it (its process, its HTTP session). Not known
   * when one HTTP request failed: a reset socket is not the session, which
   * the server may still hold with its state (see keptAfterFailedRequest).
   */
  clientGone: boolean;
}

/** The longest the ping after a failed HTTP request may take (never more than the call's timeout). */
const MAX_PING_AFTER_FAILURE_MS = 5_000;

/** Not async: with no total timer to clear, the attempts' own promise is the call's (one frame fewer per call). */
export function runToolCall(request: ToolCallRequest): Promise<ToolCallOutcome> {
  const annotations = request.tool.annotations ?? {};
  const repeatable = annotations.readOnlyHint === true || annotations.idempotentHint === true;
  const queuedAt = Date.now();
  // Progress only when someone uses it: the caller listens, or the server's timeout is reset by it.
  const progress = request.onProgress !== undefined || request.pool.config.resetTimeoutOnProgress;
  // A signal only when something must abort the SDK's request: the caller, or the total cap (with progress,
  // the SDK's one timeout is not the cap). Otherwise close() ends the call through unlessEnded.
  const signal = request.cancellable || progress ? request.control.signal : undefined;
  if (!progress) {
    // Without progress nothing resets the SDK's timer: it is the total cap too.
    return attempts(request, repeatable, queuedAt, { signal, timeout: Math.min(request.timeoutMs, request.maxTotalTimeoutMs) });
  }
  const onprogress = (update: ProgressUpdate) => request.onProgress?.(update);
  const totalTimer = abortAfterTotalTimeout(request);
  const sdkOptions: RequestOptions = { signal, timeout: request.timeoutMs, resetTimeoutOnProgress: true, onprogress };
  return attempts(request, repeatable, queuedAt, sdkOptions).finally(() => clearTimeout(totalTimer));
}

/**
 * Most calls find a slot free: they are sent at once and settled by their answer, without lease()'s
 * promise or an async frame (a few hundred ns a call). The others, and a failed first attempt, go the
 * attemptsFrom() way.
 */
function attempts(request: ToolCallRequest, repeatable: boolean, queuedAt: number, sdkOptions: RequestOptions): Promise<ToolCallOutcome> {
  const lease = sdkOptions.signal?.aborted ? undefined : request.pool.tryLease(request.sessionId, request.fairnessKey);
  if (!lease) return attemptsFrom(1, request, repeatable, queuedAt, sdkOptions);
  request.onStarted?.(Date.now() - queuedAt);
  return send(lease, request, sdkOptions).then(
    (result) => settled(lease, request, result),
    async (error: unknown) => {
      await retryOrThrow(error, lease, request, 1, repeatable, sdkOptions);
      return attemptsFrom(2, request, repeatable, queuedAt, sdkOptions);
    },
  );
}

/** The attempts from `first` on, each waiting for a slot. */
async function attemptsFrom(
  first: number,
  request: ToolCallRequest,
  repeatable: boolean,
  queuedAt: number,
  sdkOptions: RequestOptions,
): Promise<ToolCallOutcome> {
  for (let attempt = first; ; attempt += 1) {
    const lease = await request.pool.lease(request.sessionId, sdkOptions.signal, request.fairnessKey);
    if (attempt === 1) request.onStarted?.(Date.now() - queuedAt);
    let result: CallToolResult;
    try {
      result = await send(lease, request, sdkOptions);
    } catch (error) {
      await retryOrThrow(error, lease, request, attempt, repeatable, sdkOptions);
      continue;
    }
    return settled(lease, request, result);
  }
}

/** The attempt's answer as the call's outcome, or its error (the tool's, or a broken result); the slot goes back. */
function settled(lease: Lease, request: ToolCallRequest, result: CallToolResult): ToolCallOutcome {
  try {
    return answered(lease, request, result);
  } catch (error) {
    // answered() throws the pool's own errors only, which may quote the server.
    throw request.pool.redactor.own(error as McpPoolError);
  } finally {
    lease.release();
  }
}

/**
 * After a failed attempt (its slot given back here): returns when the call may be sent again (the first
 * attempt lost its connection, and repeating it cannot do harm), else throws the call's typed error.
 */
async function retryOrThrow(
  error: unknown,
  lease: Lease,
  request: ToolCallRequest,
  attempt: number,
  repeatable: boolean,
  sdkOptions: RequestOptions,
): Promise<void> {
  const { pool } = request;
  try {
    const lost = connectionLoss(error, lease, request.control);
    // The SDK's error may quote the server (an HTTP body that echoes our headers): redacted from here on.
    if (!lost) throw pool.redactor.own(typedError(error, request, lease, sdkOptions));
    if (lost.clientGone || !(await keptAfterFailedRequest(lease, request, sdkOptions))) lease.markLost(lost.reason);
    if (attempt === 1 && (!lost.mayHaveRun || repeatable)) return;
    throw pool.redactor.own(
      new ConnectionLostError(
        `Connection to MCP server "${pool.name}" was lost during "${request.tool.name}" (${lost.reason}); ` +
          (lost.mayHaveRun ? "it may have run" : "it did not run"),
        { server: pool.name, mayHaveRun: lost.mayHaveRun, cause: error },
      ),
    );
  } finally {
    lease.release();
  }
}

/**
 * After one HTTP request failed (a socket reset by a proxy, a balancer): does
 * the client's session still answer? Then it stays, with the state the server
 * keeps for it (a per-session server's); dropping it would lose that state
 * over one socket. A server that went away fails the ping too (refused, a 404
 * for a session it forgot), and the client is replaced as for a dead process.
 */
async function keptAfterFailedRequest(lease: Lease, request: ToolCallRequest, sdkOptions: RequestOptions): Promise<boolean> {
  try {
    await lease.client.ping({ signal: sdkOptions.signal, timeout: Math.min(request.timeoutMs, MAX_PING_AFTER_FAILURE_MS) });
    return true;
  } catch {
    // The call ended meanwhile (cancelled, the manager closing): that says nothing of the client.
    return request.control.ended;
  }
}

/** Sends the call (not async: one frame fewer per call; it never throws, it rejects). */
function send(lease: Lease, request: ToolCallRequest, sdkOptions: RequestOptions): Promise<CallToolResult> {
  const { tool } = request;
  const server = request.pool.name;
  if (tool.execution?.taskSupport === "required") {
    const message = `Tool "${tool.name}" on MCP server "${server}" requires task-based execution, which the pool does not offer`;
    return Promise.reject(new ToolProtocolError(message, { server, tool: tool.name }));
  }
  // The request, not client.callTool(): the output schema is checked below from the shared catalog, the same on every client.
  const sent = lease.client.request(
    { method: "tools/call", params: { name: tool.name, arguments: request.args } },
    CallToolResultSchema,
    sdkOptions,
  );
  return sdkOptions.signal === undefined ? request.control.unlessEnded(sent) : sent;
}

/** The server's answer as the call's outcome, or why it is not one. */
function answered(lease: Lease, request: ToolCallRequest, result: CallToolResult): ToolCallOutcome {
  const { tool } = request;
  const server = request.pool.name;
  // The server answered: this answer tells a session whose client was replaced (success or not).
  const sessionReset = lease.takeSessionReset();
  const problem = outputSchemaProblem(tool, result);
  if (problem !== undefined) throw new ToolProtocolError(`${problem} (MCP server "${server}")`, { server, tool: tool.name, sessionReset });
  if (result.isError) throw ToolCallError.fromResult(tool.name, result.content as ToolResultContent[], { server, sessionReset });
  return { result, sessionReset };
}

/**
 * The total cap aborts the call's controller. The SDK's own `maxTotalTimeout`
 * is checked only when progress arrives and sends no `notifications/cancelled`;
 * aborting does both, on time.
 */
function abortAfterTotalTimeout(request: ToolCallRequest): NodeJS.Timeout {
  const { control, maxTotalTimeoutMs: timeoutMs } = request;
  const server = request.pool.name;
  return setTimeout(() => {
    const message = `"${request.tool.name}" on MCP server "${server}" timed out: maximum total timeout (${timeoutMs} ms) exceeded`;
    control.abort(new ToolCallTimeoutError(message, { server, timeoutMs }));
  }, timeoutMs);
}

/** Was the error the connection dying? Then how: could the request have reached the server? */
function connectionLoss(error: unknown, lease: Lease, control: CallControl): Lost | undefined {
  if (control.ended || error instanceof McpPoolError) return undefined;
  if (isSessionExpired(error)) return { mayHaveRun: false, reason: "HTTP session expired", clientGone: true };
  const answerLost = lostAnswerReason(error);
  if (answerLost !== undefined) return { mayHaveRun: true, reason: answerLost, clientGone: false };
  const gateway = gatewayFailure(error);
  if (gateway !== undefined) return gateway;
  if (error instanceof McpError && error.code === ErrorCode.ConnectionClosed) {
    return { mayHaveRun: true, reason: "connection closed", clientGone: true };
  }
  if (error instanceof Error && error.message === "Not connected") return { mayHaveRun: false, reason: "not connected", clientGone: true };
  if (isConnectRefused(error)) return { mayHaveRun: false, reason: "connection refused", clientGone: true };
  if (error instanceof TypeError && error.message === "fetch failed") {
    return { mayHaveRun: true, reason: describeFailure(error).replace(/^fetch failed/, "HTTP request failed"), clientGone: false };
  }
  if (lease.lost) return { mayHaveRun: true, reason: "connection closed", clientGone: true };
  return undefined;
}

/**
 * A gateway's answer (nginx, a load balancer) for a server it could not reach: 502 or 503, the request never
 * got there; 504, it may have. Not the server refusing the request: the server is unavailable, and the ping
 * that follows (through the same gateway) tells whether the client is gone.
 */
function gatewayFailure(error: unknown): Lost | undefined {
  if (!(error instanceof StreamableHTTPError)) return undefined;
  if (error.code === 502 || error.code === 503)
    return { mayHaveRun: false, reason: `HTTP ${error.code} from the server's address`, clientGone: false };
  if (error.code === 504) return { mayHaveRun: true, reason: "HTTP 504 from the server's address", clientGone: false };
  return undefined;
}

function typedError(error: unknown, request: ToolCallRequest, lease: Lease, sdkOptions: RequestOptions): McpPoolError {
  const server = request.pool.name;
  const tool = request.tool.name;
  if (error instanceof McpPoolError) return error;
  if (request.control.ended) return abortError(request);
  const size = resultTooLargeOf(error);
  if (size) {
    const message = `"${tool}" on MCP server "${server}" answered ${size.bytes} bytes, over maxResultBytes (${size.limit}); the answer was not read`;
    return new ResultTooLargeError(message, { server, tool, ...size, cause: error });
  }
  if (error instanceof McpError && error.code === ErrorCode.RequestTimeout) {
    return new ToolCallTimeoutError(`"${tool}" on MCP server "${server}" timed out: ${error.message}`, {
      server,
      timeoutMs: sdkOptions.timeout ?? request.timeoutMs,
      cause: error,
    });
  }
  // Not the tool's answer: the server refused the request or broke the protocol.
  const message = error instanceof Error ? error.message : String(error);
  const jsonRpcCode = error instanceof McpError ? error.code : undefined;
  const sessionReset = lease.takeSessionReset();
  return new ToolProtocolError(`"${tool}" on MCP server "${server}" failed: ${message}`, {
    server,
    tool,
    jsonRpcCode,
    sessionReset,
    cause: error,
  });
}

/** Why an aborted call ended: the manager closing (its own error), or the caller's cancel. */
function abortError(request: ToolCallRequest): McpPoolError {
  return cancellation(request.control, request.pool.name, `Call to "${request.tool.name}" was cancelled`);
}

function isConnectRefused(error: unknown): boolean {
  const cause = (error as { cause?: { code?: unknown } } | undefined)?.cause;
  return cause?.code === "ECONNREFUSED";
}
