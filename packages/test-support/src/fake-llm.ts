/**
 * A real HTTP server on 127.0.0.1 that speaks the Chat Completions streaming
 * protocol (`data: {...}\n\n` ... `data: [DONE]`), answers from a per-test
 * script, fails on demand, and records every request it gets.
 */

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { chunk, textChunks, toolCallChunks, type ScriptedToolCall } from "./fake-llm-chunks.js";

export type FakeReply =
  /** A streamed answer; an array gives the delta pieces. */
  | { text: string | string[] }
  /** Tool calls (optionally after some text), streamed across chunks. */
  | { toolCalls: ScriptedToolCall[]; text?: string | string[] }
  /** An HTTP error with an OpenAI-style error body. */
  | { status: number; message: string }
  /** The socket is destroyed before any response. */
  | { closeSocket: true }
  /** Streams these pieces, then keeps the response open until the client leaves. */
  | { hold: string[] }
  /**
   * A long answer: `bytes` of text in deltas of `pieceBytes` (default 16 KiB), written only as fast as
   * the client reads (each write waits for `drain`), so `streams[n].contentBytes` shows how much the
   * client has taken.
   */
  | { stream: { bytes: number; pieceBytes?: number } };

/** One `stream` reply as it goes. */
export interface StreamRecord {
  /** Text bytes written to the socket so far (accepted by the client's side of the connection). */
  contentBytes: number;
  /** Resolves when the stream ended: all sent, or the client left first. */
  readonly ended: Promise<"finished" | "client left">;
}

export interface RecordedMessage {
  role: string;
  content: string | null;
  tool_calls?: { id: string; function: { name: string; arguments: string } }[];
  tool_call_id?: string;
}

export interface RecordedTool {
  type: string;
  function: { name: string; description?: string; parameters?: Record<string, unknown> };
}

export interface RecordedRequest {
  model: string;
  stream: boolean;
  temperature?: number;
  messages: RecordedMessage[];
  tools: RecordedTool[] | undefined;
}

/** `index` counts the requests since the script was set, from 0. */
export type Script = (request: RecordedRequest, index: number) => FakeReply;

export interface FakeLlm {
  /** For LlmSettings.baseURL: `http://127.0.0.1:<port>/v1`. */
  readonly baseURL: string;
  readonly requests: RecordedRequest[];
  /** The `stream` replies, in the order they started. */
  readonly streams: StreamRecord[];
  /** TCP connections accepted so far. */
  readonly connections: number;
  /** Replies in order, or a function of the request. */
  script(replies: FakeReply[] | Script): void;
  /** Resolves when the client of the n-th held stream (from 0) has gone: it cancelled. */
  heldStreamClosed(n?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startFakeLlm(): Promise<FakeLlm> {
  let script: Script = () => ({ status: 500, message: "fake LLM: no script" });
  let scriptStart = 0;
  let nextCallId = 1;
  const requests: RecordedRequest[] = [];
  const streams: StreamRecord[] = [];
  const holds: { closed: Promise<void>; resolve: () => void }[] = [];
  let holdCount = 0;
  const hold = (n: number) => {
    for (let i = holds.length; i <= n; i++) {
      let resolve!: () => void;
      const closed = new Promise<void>((r) => (resolve = r));
      holds.push({ closed, resolve });
    }
    return holds[n]!;
  };

  const server = createServer((req, res) => {
    void readJson(req).then((body) => {
      if (req.method !== "POST" || req.url !== "/v1/chat/completions") {
        return sendError(res, 404, `fake LLM: no route ${req.method} ${req.url}`);
      }
      // As the API: a body it is not told is JSON is refused.
      if (!req.headers["content-type"]?.startsWith("application/json")) {
        return sendError(res, 415, `fake LLM: content-type ${req.headers["content-type"]}, not application/json`);
      }
      const request = body as RecordedRequest;
      requests.push(request);
      const reply = script(request, requests.length - 1 - scriptStart);
      respond(req, res, reply, request.model);
    });
  });

  function respond(req: IncomingMessage, res: ServerResponse, reply: FakeReply, model: string): void {
    if ("closeSocket" in reply) return void req.socket.destroy();
    if ("status" in reply) return void sendError(res, reply.status, reply.message);
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    if ("stream" in reply) return void streams.push(streamText(res, model, reply.stream.bytes, reply.stream.pieceBytes ?? 16 * 1024));
    if ("hold" in reply) {
      for (const data of textChunks(model, reply.hold)) res.write(`data: ${JSON.stringify(data)}\n\n`);
      const { resolve } = hold(holdCount++);
      res.on("close", resolve);
      return;
    }
    const text = typeof reply.text === "string" ? [reply.text] : (reply.text ?? []);
    const chunks = textChunks(model, text);
    let finish = "stop";
    if ("toolCalls" in reply) {
      chunks.push(...toolCallChunks(model, reply.toolCalls, nextCallId));
      nextCallId += reply.toolCalls.length;
      finish = "tool_calls";
    }
    chunks.push(chunk(model, {}, finish));
    for (const data of chunks) res.write(`data: ${JSON.stringify(data)}\n\n`);
    res.end("data: [DONE]\n\n");
  }

  let connections = 0;
  server.on("connection", () => connections++);
  server.listen(0, "127.0.0.1");
  await new Promise<void>((resolve) => server.once("listening", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    streams,
    get connections() {
      return connections;
    },
    script(replies) {
      scriptStart = requests.length;
      script = typeof replies === "function" ? replies : (_request, index) => replies[index] ?? noReplyLeft(index);
    },
    heldStreamClosed(n = 0) {
      return hold(n).closed;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function streamText(res: ServerResponse, model: string, bytes: number, pieceBytes: number): StreamRecord {
  const piece = "x".repeat(pieceBytes);
  const record = { contentBytes: 0 } as StreamRecord;
  let clientLeft = false;
  res.on("close", () => (clientLeft = true));
  const drained = () =>
    new Promise<void>((resolve) => {
      const done = () => {
        res.off("drain", done).off("close", done);
        resolve();
      };
      res.on("drain", done).on("close", done);
    });
  const write = async (data: Record<string, unknown>) => {
    if (!res.write(`data: ${JSON.stringify(data)}\n\n`)) await drained();
  };
  Object.assign(record, {
    ended: (async () => {
      while (record.contentBytes < bytes && !clientLeft) {
        const text = piece.slice(0, Math.min(pieceBytes, bytes - record.contentBytes));
        await write(chunk(model, { content: text }));
        record.contentBytes += text.length;
      }
      if (clientLeft) return "client left" as const;
      await write(chunk(model, {}, "stop"));
      res.end("data: [DONE]\n\n");
      return "finished" as const;
    })(),
  });
  return record;
}

function noReplyLeft(index: number): FakeReply {
  return { status: 500, message: `fake LLM: no scripted reply for request ${index + 1}` };
}

function sendError(res: ServerResponse, status: number, message: string): void {
  // retry-after-ms keeps the openai package's retries fast in tests.
  res.writeHead(status, { "content-type": "application/json", "retry-after-ms": "10" });
  res.end(JSON.stringify({ error: { message, type: "fake_error", code: null, param: null } }));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  const text = Buffer.concat(parts).toString("utf8");
  return text === "" ? {} : JSON.parse(text);
}
