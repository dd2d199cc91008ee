/**
 * The fetch given to the SDK's HTTP transports: each request gets an
 * AbortSignal of its own, goes through the connection's own undici Agent,
 * and, for what the Streamable HTTP transport sends on every call, skips the
 * WHATWG fetch machinery.
 *
 * Its own signal: the transports pass one long-lived signal (aborted when
 * they close) to every request. Node's fetch (undici) adds an abort listener
 * to that signal per request and removes it only once the request is
 * garbage-collected, so a pooled client that lives for thousands of calls
 * piles up listeners and prints MaxListenersExceededWarning past 1,500 of
 * them. Here the long-lived signal gets one listener, which aborts the
 * requests still waiting for their response; a request leaves that set once
 * its response has come (or it failed).
 *
 * Its own Agent (`dispatcher`): closing the connection closes its sockets;
 * on the process-wide one they would stay open, idle, after the client is
 * gone. That is also what ends a response body still streaming when the
 * connection closes (the transport aborts its signal only in close()).
 *
 * No fetch machinery: a tool call's POST (a string body, redirects left to
 * the SDK, which asks for `redirect: "manual"` and follows same-origin ones
 * itself) is sent with undici's `request()`. fetch would make a Request, a
 * web stream of the body and a copy of both (tee), and a web stream of the
 * response; here the response body is a web stream only when the SDK reads
 * it as one (an SSE answer), and `json()`/`text()` read the Node stream. Any
 * other request (an OAuth form, another redirect mode) goes through fetch.
 * Failures look as fetch's do (`TypeError: fetch failed`, the network error
 * as its cause; an abort rejects with the signal's reason), which is what
 * tool-call.ts and connect-errors.ts read.
 */

import type { FetchLike } from "@modelcontextprotocol/sdk/shared/transport.js";
import { request, fetch as undiciFetch, type Dispatcher } from "undici";
import { followAbort } from "./abort-link.js";
import { type AnswerWatch, type SentRequest, sseAnswerStream } from "./http-answer-loss.js";

/** undici's fetch is the WHATWG one; its types are undici's own, not the DOM's the SDK uses. */
type Fetch = (url: string | URL, init: Omit<RequestInit, "dispatcher"> & { dispatcher: Dispatcher }) => Promise<Response>;
const fetchOn = undiciFetch as unknown as Fetch;

/** Statuses whose Response must have a null body (the Response constructor throws otherwise). */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/** `answers`: what the SSE answer streams tell and ask (http-answer-loss.ts); without it, they end as the network ends them. */
export function transportFetch(dispatcher: Dispatcher, answers?: AnswerWatch): FetchLike {
  return async (url, init) => {
    if (answers && typeof init?.body === "string") answers.sending(init.body);
    const shared = init?.signal;
    if (!shared) return send(dispatcher, url, init ?? {}, undefined, answers);
    const own = new AbortController();
    const settle = followAbort(shared, own);
    try {
      return await send(dispatcher, url, { ...init, signal: own.signal }, shared, answers);
    } finally {
      settle();
    }
  };
}

/** `closing`: the transport's own signal (the request's follows it only until the response comes). */
function send(
  dispatcher: Dispatcher,
  url: string | URL,
  init: RequestInit,
  closing: AbortSignal | undefined,
  answers: AnswerWatch | undefined,
): Promise<Response> {
  const { body } = init;
  if (init.redirect !== "manual" || (body !== undefined && body !== null && typeof body !== "string")) {
    return fetchOn(url, { ...init, dispatcher });
  }
  return sendPlain(dispatcher, url, init, { body: body ?? undefined, closing, answers });
}

async function sendPlain(dispatcher: Dispatcher, url: string | URL, init: RequestInit, sent: SentRequest): Promise<Response> {
  const { signal } = init;
  let answer: Dispatcher.ResponseData;
  try {
    answer = await request(url, {
      dispatcher,
      method: (init.method ?? "GET") as Dispatcher.HttpMethod,
      headers: headersOf(init.headers),
      body: sent.body,
      signal: signal ?? undefined,
    });
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw new TypeError("fetch failed", { cause: error });
  }
  const { statusCode, headers } = answer;
  const responseHeaders = toHeaders(headers);
  if (NULL_BODY_STATUSES.has(statusCode)) {
    answer.body.resume();
    return new Response(null, { status: statusCode, headers: responseHeaders });
  }
  return withNodeBody(answer.body, statusCode, responseHeaders, sent);
}

/** The SDK passes a Headers object (or a record); undici's request() takes a record. */
function headersOf(headers: RequestInit["headers"]): Record<string, string> | undefined {
  if (headers === undefined) return undefined;
  const record: Record<string, string> = {};
  for (const [name, value] of new Headers(headers)) record[name] = value;
  return record;
}

function toHeaders(raw: Record<string, string | string[] | undefined>): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else if (value !== undefined) headers.append(name, value);
  }
  return headers;
}

type BodyReadable = Dispatcher.ResponseData["body"];

/**
 * A Response whose body stays undici's Node stream until someone asks for
 * `body` (the SDK does for an SSE answer, to pipe it through its decoders,
 * or to cancel it): only then is it wrapped in a web stream, one that ends
 * with error answers if the network cuts it (http-answer-loss.ts). Own
 * properties shadow Response's accessors; everything else is a real Response.
 * A body the network cuts while read whole fails as fetch's would
 * (`TypeError`, the network error as its cause).
 */
function withNodeBody(body: BodyReadable, status: number, headers: Headers, sent: SentRequest): Response {
  const { closing } = sent;
  const response = new Response(null, { status, headers });
  let web: ReadableStream<Uint8Array> | undefined;
  return Object.defineProperties(response, {
    body: { get: () => (web ??= sseAnswerStream(body, sent)) },
    bodyUsed: { get: () => body.bodyUsed },
    text: { value: () => readWhole(body.text(), closing) },
    json: { value: () => readWhole(body.json(), closing) },
    arrayBuffer: { value: () => readWhole(body.arrayBuffer(), closing) },
    blob: { value: () => readWhole(body.blob(), closing) },
  });
}

/** A body read whole; one the network cut fails as fetch's would. */
function readWhole<T>(reading: Promise<T>, closing: AbortSignal | undefined): Promise<T> {
  return reading.catch((error: unknown) => {
    if (closing?.aborted) throw closing.reason;
    // A body that is not JSON is the server's error, not the network's.
    if (error instanceof SyntaxError) throw error;
    throw new TypeError("fetch failed", { cause: error });
  });
}
