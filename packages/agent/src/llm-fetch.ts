/**
 * The HTTP transport given to the openai package (its documented `fetch`
 * option). Node's global fetch spends more CPU per streamed completion: it
 * clones each request, sends the body through a web stream, and wraps the
 * response body in another (docs/benchmarks.md, "Agent path"). This one
 * sends with undici's `request()` on a keep-alive Agent and gives openai the
 * response body as the Node stream it is; openai reads a streamed body as
 * any async iterable.
 *
 * Loading undici has one effect beyond this file (undici's own): when no
 * global dispatcher is set yet, it installs its Agent as the one Node's
 * global fetch uses, with the same defaults, so other fetches in the process
 * (e.g. MCP Streamable HTTP) go through undici 7 from then on.
 */

import { Agent, interceptors, request, type Dispatcher } from "undici";

type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** Statuses whose Response must have a null body (the Response constructor throws otherwise). */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/**
 * A fetch for the openai client, on its own connection pool. undici's
 * defaults are the global fetch's (unlimited connections per origin,
 * 300 s header and body timeouts), and redirects are followed as fetch does.
 */
export function createLlmFetch(): { fetch: Fetch; close(): Promise<void> } {
  const dispatcher = new Agent().compose(interceptors.redirect({ maxRedirections: 20 }));
  return {
    fetch: (input, init) => send(dispatcher, input, init),
    close: () => dispatcher.close(),
  };
}

async function send(dispatcher: Dispatcher, input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
  if (input instanceof Request) throw new TypeError("llm fetch: a Request object is not supported; openai passes a URL");
  const { statusCode, headers, body } = await request(input, {
    dispatcher,
    method: (init.method ?? "GET") as Dispatcher.HttpMethod,
    headers: init.headers as Dispatcher.DispatchOptions["headers"],
    body: init.body as string | Uint8Array | null | undefined,
    signal: init.signal ?? undefined,
  });
  const responseHeaders = toHeaders(headers);
  if (NULL_BODY_STATUSES.has(statusCode)) {
    body.resume();
    return new Response(null, { status: statusCode, headers: responseHeaders });
  }
  if (statusCode < 200 || statusCode > 299) {
    // Errors are small and read whole by openai: a plain Response.
    return new Response(await body.arrayBuffer(), { status: statusCode, headers: responseHeaders });
  }
  return withNodeBody(body, statusCode, responseHeaders);
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
 * A successful response whose `body` is undici's Node stream, not a web
 * ReadableStream: openai iterates a streamed body with `for await` (its
 * ReadableStreamToAsyncIterable takes any async iterable) and reads the
 * others with text()/json(), which the Node stream provides too. Own
 * properties shadow Response's accessors; everything else is a real Response.
 */
function withNodeBody(body: BodyReadable, status: number, headers: Headers): Response {
  const response = new Response(null, { status, headers });
  return Object.defineProperties(response, {
    body: { value: body },
    bodyUsed: { get: () => body.bodyUsed },
    text: { value: () => body.text() },
    json: { value: () => body.json() },
    arrayBuffer: { value: () => body.arrayBuffer() },
    blob: { value: () => body.blob() },
  });
}
