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

/** Per transport signal: the requests it must abort when it fires. */
const openRequests = new WeakMap<AbortSignal, Set<AbortController>>();

export const fetchWithOwnSignal: FetchLike = async (url, init) => {
  const shared = init?.signal;
  if (!shared) return fetch(url, init);
  const own = new AbortController();
  const open = openRequestsOf(shared);
  const settle = () => open.delete(own);
  if (shared.aborted) own.abort(shared.reason);
  else open.add(own);
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

function openRequestsOf(shared: AbortSignal): Set<AbortController> {
  const known = openRequests.get(shared);
  if (known) return known;
  const open = new Set<AbortController>();
  openRequests.set(shared, open);
  shared.addEventListener(
    "abort",
    () => {
      for (const request of open) request.abort(shared.reason);
      open.clear();
    },
    { once: true },
  );
  return open;
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
