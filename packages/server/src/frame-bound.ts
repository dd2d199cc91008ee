/**
 * Every frame the server sends fits in MAX_SERVER_FRAME_BYTES. A `delta` too
 * long is split into several deltas (a client joins them anyway, so nothing is
 * lost). Any other frame too long has its long text cut and carries
 * `"truncated": true`: an answer's `text` (in a model's turn the deltas before
 * it carried the whole text), a tool result's `content`, a tool call's
 * `arguments` (then a string), an error's `message`.
 */

import type { ServerFrame } from "./ws-protocol.js";

/** The frame as one or more JSON texts, each at most `maxBytes` of UTF-8; made one at a time, as they are sent. */
export function* serializeBounded(frame: ServerFrame, maxBytes: number): Generator<string> {
  const json = JSON.stringify(frame);
  if (Buffer.byteLength(json) <= maxBytes) return yield json;
  switch (frame.type) {
    case "delta":
      for (let rest = frame.text; rest.length > 0; ) {
        const n = fittingPrefix(rest, (text) => ({ ...frame, text }), maxBytes);
        yield JSON.stringify({ ...frame, text: rest.slice(0, n) });
        rest = rest.slice(n);
      }
      return;
    case "answer":
      return yield cut(frame.text, (text) => ({ ...frame, text, truncated: true }), maxBytes);
    case "tool_result":
      return yield cut(frame.content, (content) => ({ ...frame, content, truncated: true }), maxBytes);
    case "tool_call": {
      const args = typeof frame.arguments === "string" ? frame.arguments : JSON.stringify(frame.arguments);
      return yield cut(args, (text) => ({ ...frame, arguments: text, truncated: true }), maxBytes);
    }
    case "error":
      return yield cut(frame.message, (message) => ({ ...frame, message, truncated: true }), maxBytes);
    default:
      return yield json;
  }
}

function cut(text: string, frameWith: (text: string) => object, maxBytes: number): string {
  return JSON.stringify(frameWith(text.slice(0, fittingPrefix(text, frameWith, maxBytes))));
}

/** The most characters of `text` (at least one) whose frame fits, never splitting a surrogate pair. */
export function fittingPrefix(text: string, frameWith: (text: string) => object, maxBytes: number): number {
  const bytes = (n: number) => Buffer.byteLength(JSON.stringify(frameWith(text.slice(0, n))));
  const overhead = bytes(0);
  let n = text.length;
  // Shrink in proportion to the excess; escapes and multi-byte characters make it take a few rounds.
  for (let size = bytes(n); size > maxBytes && n > 1; size = bytes(n)) {
    n = Math.max(1, Math.min(n - 1, Math.floor((n * (maxBytes - overhead)) / (size - overhead))));
  }
  const code = text.charCodeAt(n - 1);
  if (n > 1 && n < text.length && code >= 0xd800 && code <= 0xdbff) n -= 1;
  return n;
}
