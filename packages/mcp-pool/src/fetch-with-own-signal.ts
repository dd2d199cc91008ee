/**
 * A fetch for the SDK's HTTP transports that gives each request an
 * AbortSignal of its own.
 *
 * The transports pass one long-lived signal (aborted when they close) to
 * every request. Node's fetch (undici) adds an abort listener to that signal
 * per request and removes it only once the request is garbage-collected, so
 * a pooled client that lives for thousands of calls piles up listeners and
 * prints MaxListenersExceededWarning past 1,500 of them. Here the long-lived
 * signal gets one listener, which aborts the requests still open; a request
 * leaves that set when it fails or its response has been read.
 */

import type { FetchLike } from "@modelcontextprotocol/sdk/shared/transport.js";
import { followAbort } from "./abort-link.js";

export const fetchWithOwnSignal: FetchLike = async (url, init) => {
  const shared = init?.signal;
  if (!shared) return fetch(url, init);
  const own = new AbortController();
  const settle = followAbort(shared, own);
  try {
    const response = await fetch(url, { ...init, signal: own.signal });
    if (!isEventStream(response)) {
      // JSON, 202 and error bodies are read at once; only a stream lives on.
      settle();
      return response;
    }
    return settleWhenBodyEnds(response, settle);
  } catch (error) {
    settle();
    throw error;
  }
};

function isEventStream(response: Response): boolean {
  return response.ok && response.body !== null && (response.headers.get("content-type") ?? "").startsWith("text/event-stream");
}

/** The same response, whose body calls `settle` once it has ended, failed or been cancelled. */
function settleWhenBodyEnds(response: Response, settle: () => void): Response {
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  response.body?.pipeTo(writable).then(settle, settle);
  return new Response(readable, { status: response.status, statusText: response.statusText, headers: response.headers });
}
