/**
 * An SSE answer to a POST that ends without the answers it owes: the network
 * cuts it (a reset socket, a proxy or server that went away), or it ends
 * cleanly without them (a proxy or server that drops the request). The SDK's
 * Streamable HTTP transport reports a broken stream to `onerror` only, and a
 * clean end not at all: the requests the POST carried waited for their
 * timeout, then failed as timed out. Here the stream ends instead with an
 * error answer for each request still unanswered, as the server would have
 * sent had it known: the call fails at once and says why, and tool-call.ts
 * treats it as a failed HTTP request (it may have run).
 *
 * Not when the server gave its events ids (SSE resumption): the SDK then
 * reconnects and the server may replay the answer, so the stream fails or
 * ends as before. Not when the transport is closing (its signal is aborted).
 */

import type { Readable } from "node:stream";
import { ErrorCode, McpError, type JSONRPCMessage, type RequestId } from "@modelcontextprotocol/sdk/types.js";
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
  /** Which requests have had their answer (absent: a clean end is taken as answered, and none is awaited from a resumption). */
  answers: AnswerWatch | undefined;
}

/**
 * Which requests of a transport's open SSE answer streams have been answered, and which requests' answers
 * wait for the SDK to resume their stream (cut, or ended without them). Its `onmessage` must see every message the transport delivers,
 * before the client: set it as the transport's `onmessage` before the client connects (the SDK's Protocol
 * calls a handler set before it first). A Map lookup or two a message.
 */
export class AnswerWatch {
  /** Requests with an answer stream open → answered yet? */
  readonly #answered = new Map<RequestId, boolean>();
  /** Requests whose resumable answer stream was cut or ended without their answer, not answered since. */
  readonly #awaitingResumption = new Set<RequestId>();

  readonly onmessage = (message: JSONRPCMessage): void => {
    if ("method" in message || !("id" in message) || message.id === undefined) return;
    if (this.#answered.has(message.id)) this.#answered.set(message.id, true);
    if (this.#awaitingResumption.size > 0) this.#awaitingResumption.delete(message.id);
  };

  /** Some answers wait for the SDK to resume their stream: if it gives up, they never come (connection.ts). */
  get answersAwaitResumption(): boolean {
    return this.#awaitingResumption.size > 0;
  }

  /**
   * What the transport sends (a POST's JSON): a request it cancels (`notifications/cancelled`, sent when the
   * call timed out or was aborted) awaits nothing more, since the SDK would ignore its answer if replayed.
   * Without this, the SDK giving up on any stream later would lose the client for an answer no one waits for.
   */
  sending(body: string): void {
    if (this.#awaitingResumption.size === 0) return;
    for (const message of messagesOf(body)) {
      if (isCancellation(message)) this.#awaitingResumption.delete(message.params.requestId);
    }
  }

  watch(ids: readonly RequestId[]): void {
    for (const id of ids) this.#answered.set(id, false);
  }

  awaitResumption(ids: readonly RequestId[]): void {
    for (const id of ids) this.#awaitingResumption.add(id);
  }

  /** The ids not answered, no longer watched. */
  unanswered(ids: readonly RequestId[]): RequestId[] {
    const missing = ids.filter((id) => this.#answered.get(id) === false);
    for (const id of ids) this.#answered.delete(id);
    return missing;
  }
}

/** The web stream the SDK reads an SSE answer from, fed by undici's Node stream `body`. */
export function sseAnswerStream(body: Readable, sent: SentRequest): ReadableStream<Uint8Array> {
  const { answers } = sent;
  const ids = requestIds(sent.body);
  answers?.watch(ids);
  let resumable = false;
  /** The body ended or failed, or the reader cancelled: no chunk is passed on after. */
  let done = false;
  let cancelled = false;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      /** Ends the stream with an error answer (saying `reason`) for each request not answered, else with `error` if any. */
      const answerTheRest = (reason: string, error?: Error) => {
        if (cancelled) return;
        const lost = lostAnswers(answers ? answers.unanswered(ids) : ids, reason);
        if (lost) controller.enqueue(lost);
        if (lost || !error) controller.close();
        else controller.error(error);
      };
      body.on("data", (chunk: Buffer) => {
        if (done) return; // cancelled by the reader: a chunk read before the body was destroyed
        resumable ||= carriesEventId(chunk);
        controller.enqueue(chunk);
        if ((controller.desiredSize ?? 1) <= 0) body.pause();
      });
      /**
       * Closing, or resumable: the end is the SDK's to handle, and a resumable stream's requests still
       * unanswered now wait for its resumption (an answer still on its way is taken off when it comes).
       */
      const leftToTheSdk = (): boolean => {
        const closing = sent.closing?.aborted === true;
        if (!closing && !resumable) return false;
        const unanswered = answers?.unanswered(ids) ?? [];
        if (!closing) answers?.awaitResumption(unanswered);
        return true;
      };
      body.once("end", () => {
        if (done) return;
        done = true;
        if (leftToTheSdk() || !answers || ids.length === 0) return controller.close();
        // The SDK reads what came before the end through its decoders, promise by promise: once they have
        // run, the answers that came are known. One still on its way would be read before ours (the same
        // stream), and ours would then answer an id the SDK no longer waits for, which it ignores.
        setImmediate(() => answerTheRest("HTTP response ended without the answer"));
      });
      body.once("error", (error: Error) => {
        if (done) return; // cancelled by the reader: nothing waits for this stream
        done = true;
        if (leftToTheSdk()) return controller.error(error);
        answerTheRest(`HTTP response failed (${describeFailure(error)})`, error);
      });
    },
    pull() {
      body.resume();
    },
    cancel(reason) {
      done = true;
      cancelled = true;
      answers?.unanswered(ids);
      body.destroy(reason instanceof Error ? reason : undefined);
    },
  });
}

/** An `id:` field at a line's start (SSE event ids: the server offers resumption). */
function carriesEventId(chunk: Buffer): boolean {
  return (chunk[0] === 0x69 && chunk[1] === 0x64 && chunk[2] === 0x3a) || chunk.includes("\nid:");
}

/** The ids of the requests (not notifications) in a POST's JSON. */
function requestIds(requestBody: string | undefined): RequestId[] {
  return requestBody === undefined
    ? []
    : messagesOf(requestBody)
        .filter(isRequest)
        .map(({ id }) => id);
}

/** The messages of a POST's JSON (one, or a batch); none if it is not JSON. */
function messagesOf(body: string): unknown[] {
  let sent: unknown;
  try {
    sent = JSON.parse(body);
  } catch {
    return [];
  }
  return Array.isArray(sent) ? sent : [sent];
}

/** SSE events with an error answer (saying `reason`) for each request, or undefined when there is none. */
function lostAnswers(ids: readonly RequestId[], reason: string): Uint8Array | undefined {
  const data: LostAnswerData = { kind: ANSWER_LOST, reason };
  const events = ids.map(
    (id) => `data: ${JSON.stringify({ jsonrpc: "2.0", id, error: { code: ErrorCode.ConnectionClosed, message: reason, data } })}\n\n`,
  );
  return events.length === 0 ? undefined : Buffer.from(events.join(""));
}

function isCancellation(message: unknown): message is { params: { requestId: RequestId } } {
  if (typeof message !== "object" || message === null || !("method" in message) || message.method !== "notifications/cancelled")
    return false;
  const requestId = "params" in message ? (message.params as { requestId?: unknown } | undefined)?.requestId : undefined;
  return typeof requestId === "string" || typeof requestId === "number";
}

function isRequest(message: unknown): message is { id: string | number } {
  if (typeof message !== "object" || message === null || !("method" in message) || !("id" in message)) return false;
  return typeof message.id === "string" || typeof message.id === "number";
}
