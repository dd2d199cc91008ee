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
 *
 * Requests go through the connection's own undici Agent (`dispatcher`), so
 * that closing the connection closes its sockets: on the process-wide one
 * they would stay open, idle, after the client is gone.
 */

import type { FetchLike } from "@modelcontextprotocol/sdk/shared/transport.js";
import { fetch as undiciFetch, type Dispatcher } from "undici";
import { followAbort } from "./abort-link.js";

/** undici's fetch is the WHATWG one; its types are undici's own, not the DOM's the SDK uses. */
type Fetch = (url: string | URL, init: Omit<RequestInit, "dispatcher"> & { dispatcher: Dispatcher }) => Promise<Response>;
const fetchOn = undiciFetch as unknown as Fetch;

export function fetchWithOwnSignal(dispatcher: Dispatcher): FetchLike {
  return async (url, init) => {
    const shared = init?.signal;
    if (!shared) return fetchOn(url, { ...init, dispatcher });
    const own = new AbortController();
    const settle = followAbort(shared, own);
    try {
      const response = await fetchOn(url, { ...init, signal: own.signal, dispatcher });
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
}

function isEventStream(response: Response): boolean {
  return response.ok && response.body !== null && (response.headers.get("content-type") ?? "").startsWith("text/event-stream");
}

/** The same response, whose body calls `settle` once it has ended, failed or been cancelled. */
function settleWhenBodyEnds(response: Response, settle: () => void): Response {
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  response.body?.pipeTo(writable).then(settle, settle);
  return new Response(readable, { status: response.status, statusText: response.statusText, headers: response.headers });
}
