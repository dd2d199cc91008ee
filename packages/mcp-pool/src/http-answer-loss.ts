/**
 * An SSE answer to a POST that the network cuts (a reset socket, a proxy or
 * server that went away) before it ends. The SDK's Streamable HTTP transport
 * reports the broken stream to `onerror` only, and the requests the POST
 * carried wait for their timeout, then fail as timed out. Here the stream
 * ends instead with an error answer for each of those requests, as the server
 * would have sent had it known: the call fails at once and says why, and
 * tool-call.ts treats it as a failed HTTP request (it may have run).
 *
 * Not when the server gave its events ids (SSE resumption): the SDK then
 * reconnects and the server may replay the answer, so the stream fails as
 * before. Not when the transport is closing (its signal is aborted).
 */

import type { Readable } from "node:stream";
import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import { describeFailure } from "./connect-errors.js";

/** Marks the error answers made here (in the JSON-RPC error's `data`), to tell them from a server's own. */
const ANSWER_LOST = "mcp-pool/http-answer-lost";

interface LostAnswerData {
  kind: typeof ANSWER_LOST;
  reason: string;
}

/** Was `error` a request's answer lost with its HTTP response (see above)? Then why, e.g. "HTTP response failed (read ECONNRESET)". */
export function lostAnswerReason(error: unknown): string | undefined {
  if (!(error instanceof McpError)) return undefined;
  const data = error.data as Partial<LostAnswerData> | undefined;
  return data?.kind === ANSWER_LOST ? data.reason : undefined;
}

/** The request an answer stream belongs to. */
export interface SentRequest {
  /** The JSON the POST sent (undefined for a GET). */
  body: string | undefined;
  /** The transport's signal, aborted when it closes. */
  closing: AbortSignal | undefined;
  /** A resumable answer to requests was cut: the SDK now resumes it (connection.ts watches whether it gives up). */
  onResumableCut: (() => void) | undefined;
}

/** The web stream the SDK reads an SSE answer from, fed by undici's Node stream `body`. */
export function sseAnswerStream(body: Readable, sent: SentRequest): ReadableStream<Uint8Array> {
  let resumable = false;
  let done = false;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      body.on("data", (chunk: Buffer) => {
        if (done) return; // cancelled by the reader: a chunk read before the body was destroyed
        resumable ||= carriesEventId(chunk);
        controller.enqueue(chunk);
        if ((controller.desiredSize ?? 1) <= 0) body.pause();
      });
      body.once("end", () => {
        if (done) return;
        done = true;
        controller.close();
      });
      body.once("error", (error: Error) => {
        if (done) return; // cancelled by the reader: nothing waits for this stream
        done = true;
        if (sent.closing?.aborted) return controller.error(error);
        const ids = requestIds(sent.body);
        if (resumable) {
          if (ids.length > 0) sent.onResumableCut?.();
          return controller.error(error);
        }
        const answers = lostAnswers(ids, error);
        if (answers === undefined) return controller.error(error);
        controller.enqueue(answers);
        controller.close();
      });
    },
    pull() {
      body.resume();
    },
    cancel(reason) {
      done = true;
      body.destroy(reason instanceof Error ? reason : undefined);
    },
  });
}

/** An `id:` field at a line's start (SSE event ids: the server offers resumption). */
function carriesEventId(chunk: Buffer): boolean {
  return (chunk[0] === 0x69 && chunk[1] === 0x64 && chunk[2] === 0x3a) || chunk.includes("\nid:");
}

/** The ids of the requests (not notifications) in a POST's JSON. */
function requestIds(requestBody: string | undefined): Array<string | number> {
  let sent: unknown;
  try {
    sent = JSON.parse(requestBody ?? "");
  } catch {
    return [];
  }
  return (Array.isArray(sent) ? sent : [sent]).filter(isRequest).map(({ id }) => id);
}

/** SSE events with an error answer for each request, or undefined when there is none. */
function lostAnswers(ids: Array<string | number>, error: Error): Uint8Array | undefined {
  const reason = `HTTP response failed (${describeFailure(error)})`;
  const data: LostAnswerData = { kind: ANSWER_LOST, reason };
  const events = ids.map(
    (id) => `data: ${JSON.stringify({ jsonrpc: "2.0", id, error: { code: ErrorCode.ConnectionClosed, message: reason, data } })}\n\n`,
  );
  return events.length === 0 ? undefined : Buffer.from(events.join(""));
}

function isRequest(message: unknown): message is { id: string | number } {
  if (typeof message !== "object" || message === null || !("method" in message) || !("id" in message)) return false;
  return typeof message.id === "string" || typeof message.id === "number";
}
