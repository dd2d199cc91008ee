/**
 * JSON-RPC messages read from a child's stdout, one per line, each at most
 * `maxBytes`. A longer line is skipped as it streams in, never buffered: only
 * its first and last bytes are kept, to find the id of the request it
 * answers, so that only that request fails (the SDK's reader instead throws
 * past 10 MB and closes the transport, failing every call on it). A line that
 * is not a JSON-RPC message (a server's stray `console.log`) is reported and
 * skipped. The chunks of a line are joined once, when it ends.
 */

import { JSONRPCMessageSchema, type JSONRPCMessage, type RequestId } from "@modelcontextprotocol/sdk/types.js";

const LF = 0x0a;
const CR = 0x0d;
/** Bytes kept from each end of an oversized line: enough for `"jsonrpc":"2.0","id":<id>` either side. */
const EDGE_BYTES = 256;

export type LineEvent =
  | { kind: "message"; message: JSONRPCMessage }
  /** Not a JSON-RPC message; `head` is its start, for a warning. */
  | { kind: "garbage"; head: string; error: Error }
  /** Longer than maxBytes and skipped; `id` is the request it answered, when it could be read. */
  | { kind: "oversized"; bytes: number; id: RequestId | undefined };

export class MessageLines {
  /** The current line's chunks so far (while it fits). */
  #chunks: Buffer[] = [];
  #bytes = 0;
  /** The current line outgrew maxBytes: its ends, and how long it is so far. */
  #oversized: { head: Buffer; tail: Buffer; bytes: number } | undefined;

  constructor(
    private readonly maxBytes: number,
    private readonly onLine: (event: LineEvent) => void,
    /** A line to drop unread (not parsed, not validated): a copy of a notification already passed on. */
    private readonly dropLine: (text: string) => boolean = () => false,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (let end = chunk.indexOf(LF, start); end !== -1; end = chunk.indexOf(LF, start)) {
      if (this.#bytes === 0 && this.#oversized === undefined && end - start <= this.maxBytes) {
        // The whole line is in this chunk (the usual case): decoded where it is, no view or copy of it made.
        this.#text(chunk.toString("utf8", start, end));
      } else {
        this.#take(chunk.subarray(start, end));
        this.#endLine();
      }
      start = end + 1;
    }
    if (start < chunk.length) this.#take(chunk.subarray(start));
  }

  /** Forgets a partial line (the stream ended). */
  clear(): void {
    this.#chunks = [];
    this.#bytes = 0;
    this.#oversized = undefined;
  }

  #take(part: Buffer): void {
    if (part.length === 0) return;
    const skipping = this.#oversized;
    if (skipping) {
      skipping.bytes += part.length;
      skipping.tail = lastBytesOf([skipping.tail, part]);
      return;
    }
    if (this.#bytes + part.length <= this.maxBytes) {
      this.#chunks.push(part);
      this.#bytes += part.length;
      return;
    }
    const parts = [...this.#chunks, part];
    // Copies of its ends only: what was read of it is let go.
    const head = Buffer.concat(parts, Math.min(EDGE_BYTES, this.#bytes + part.length));
    this.#oversized = { head, tail: lastBytesOf(parts), bytes: this.#bytes + part.length };
    this.#chunks = [];
    this.#bytes = 0;
  }

  #endLine(): void {
    const skipped = this.#oversized;
    if (skipped) {
      this.#oversized = undefined;
      this.onLine({
        kind: "oversized",
        bytes: skipped.bytes,
        id: responseId(skipped.head.toString("latin1"), skipped.tail.toString("latin1")),
      });
      return;
    }
    const line = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks);
    this.#chunks = [];
    this.#bytes = 0;
    this.#text(line.toString("utf8"));
  }

  /** A whole line, decoded: a message, or garbage (blank lines and lines to drop are skipped). */
  #text(line: string): void {
    const text = line.charCodeAt(line.length - 1) === CR ? line.slice(0, -1) : line;
    if (text.trim() === "" || this.dropLine(text)) return;
    try {
      this.onLine({ kind: "message", message: JSONRPCMessageSchema.parse(JSON.parse(text)) });
    } catch (error) {
      this.onLine({ kind: "garbage", head: text.slice(0, 80), error: error instanceof Error ? error : new Error(String(error)) });
    }
  }
}

/** A copy of the last EDGE_BYTES bytes of the parts together. */
function lastBytesOf(parts: readonly Buffer[]): Buffer {
  const picked: Buffer[] = [];
  let bytes = 0;
  for (let i = parts.length - 1; i >= 0 && bytes < EDGE_BYTES; i -= 1) {
    const part = parts[i]!;
    const keep = part.subarray(Math.max(0, part.length - (EDGE_BYTES - bytes)));
    picked.unshift(keep);
    bytes += keep.length;
  }
  return Buffer.concat(picked, bytes);
}

const ID_VALUE = String.raw`(-?\d+|"(?:[^"\\]|\\.)*")`;
/** `..."id":7}` at the very end: the top-level id when it is written last (the TypeScript SDK's order). */
const ID_LAST = new RegExp(String.raw`"id"\s*:\s*${ID_VALUE}\s*\}\s*$`);
/** `{"jsonrpc":"2.0","id":7,...` or `{"id":7,...`: the top-level id when it is written first (Python's order). */
const ID_FIRST = new RegExp(String.raw`^\s*\{\s*(?:"jsonrpc"\s*:\s*"2\.0"\s*,\s*)?"id"\s*:\s*${ID_VALUE}\s*,`);

/** The id of the response whose line starts with `head` and ends with `tail`, if either end shows it. */
function responseId(head: string, tail: string): RequestId | undefined {
  const match = ID_LAST.exec(tail.replace(/\r$/, "")) ?? ID_FIRST.exec(head);
  if (!match?.[1]) return undefined;
  const raw = match[1];
  if (!raw.startsWith('"')) return Number(raw);
  try {
    return JSON.parse(raw) as string;
  } catch {
    return undefined;
  }
}
