/**
 * A fetch for the SDK's HTTP transports that gives each request an
 * AbortSignal of its own.
 *
 * The transports pass one long-lived signal (aborted when they close) to
 * every request. Node's fetch (undici) adds an abort listener to that signal
 * per request and removes it only once the request is garbage-collected, so
 * a pooled client that lives for thousands of calls piles up listeners and
 * prints MaxListenersExceededWarning past 1,500 of them. Here the long-lived
 * signal gets one listener, which aborts the requests still waiting for their
 * response; a request leaves that set once its response has come (or it failed).
 *
 * Requests go through the connection's own undici Agent (`dispatcher`), so
 * that closing the connection closes its sockets: on the process-wide one
 * they would stay open, idle, after the client is gone. That is also what
 * ends a response body still streaming when the connection closes (the
 * transport aborts its signal only in close()), so a body is not wrapped to
 * learn when it ends (two more web streams and a Response per call cost CPU on every call).
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
      return await fetchOn(url, { ...init, signal: own.signal, dispatcher });
    } finally {
      settle();
    }
  };
}
