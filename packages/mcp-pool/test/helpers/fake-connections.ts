/**
 * A ConnectionFactory for fast, deterministic tests of the pool's own logic (fake timers welcome). Each
 * connection is a real SDK Client talking to a real in-process MCP Server over the SDK's InMemoryTransport;
 * only *when* it connects, fails, dies or finishes closing is up to the test.
 *
 *   const fake = fakeConnections({ connect: "manual", close: "manual" })   // both default "instant"
 *   new PooledMCPServerManager(config, { connectionFactory: fake.factory })
 *   fake.made                      every FakeConnection made, in order; fake.last() the newest
 *   fake.alive()                   those whose close is not finished (children that would still exist)
 *   conn.succeed() / conn.fail()   settle a manual connect
 *   conn.die()                     the server side goes away: calls in flight fail, the pool hears onClosed
 *   conn.refusePings()             its server answers ping with an error from now on (a client failing validation)
 *   conn.announceToolsChanged()    the server sends notifications/tools/list_changed (the pool hears onToolsChanged)
 *   conn.toolListsServed           tools/list requests its server answered
 *   conn.exit()                    finish a manual close (at once if it has not started)
 *   conn.state                     "new" | "connecting" | "open" | "failed" | "died" | "closing" | "closed"
 *   fake.release(key)              ends every `hold` call with that key (their answer: "held:<key>")
 *   fake.cancelled                 request ids the servers were told to cancel (notifications/cancelled)
 *
 * Tools of every fake server:
 *   echo {text}          read-only   "echo:<text>"; a JSON-RPC InvalidParams error when text is not a string
 *   hold {key}           read-only   answers "held:<key>" once fake.release(key) is called
 *   hold_write {key}     writes      the same, not safe to repeat
 *   typed {n}            read-only   outputSchema {n: number}; answers structuredContent {n} as given (any type)
 *   fail {message}       read-only   isError: true with the message
 * Resources: `fake://hold/<key>` reads once fake.release(key) is called.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import {
  CallToolRequestSchema,
  ErrorCode,
  ToolListChangedNotificationSchema,
  ListResourcesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  PingRequestSchema,
  ReadResourceRequestSchema,
  type CallToolResult,
  type Tool,
} from "@modelcontextprotocol/sdk/types.js";
import type { ConnectionFactory, ConnectionRequest, PoolConnection } from "../../src/connection-factory.js";

export type FakeState = "new" | "connecting" | "open" | "failed" | "died" | "closing" | "closed";

export interface FakeOptions {
  /** "instant": connect() succeeds at once; "manual": it waits for succeed() or fail(). */
  connect?: "instant" | "manual";
  /** "instant": close() resolves at once; "manual": it waits for exit() (a child slow to end). */
  close?: "instant" | "manual";
}

const READ_ONLY = { readOnlyHint: true, idempotentHint: true };
const WRITES = { readOnlyHint: false, idempotentHint: false };

export const FAKE_TOOLS: Tool[] = [
  { name: "echo", inputSchema: { type: "object", properties: { text: { type: "string" } } }, annotations: READ_ONLY },
  { name: "hold", inputSchema: { type: "object", properties: { key: { type: "string" } } }, annotations: READ_ONLY },
  { name: "hold_write", inputSchema: { type: "object", properties: { key: { type: "string" } } }, annotations: WRITES },
  {
    name: "typed",
    inputSchema: { type: "object", properties: { n: {} } },
    outputSchema: { type: "object", properties: { n: { type: "number" } }, required: ["n"] },
    annotations: READ_ONLY,
  },
  { name: "fail", inputSchema: { type: "object", properties: { message: { type: "string" } } }, annotations: READ_ONLY },
];

let nextId = 1;

export class FakeConnection implements PoolConnection {
  readonly id = 100_000 + nextId++;
  readonly sessionId: string | undefined;
  state: FakeState = "new";
  toolListsServed = 0;
  readonly client = new Client({ name: "fake-pool-client", version: "1.0.0" }, { capabilities: {} });
  #server: Server | undefined;
  #connecting: { resolve(): void; reject(error: Error): void } | undefined;
  #exited: (() => void) | undefined;
  #exitRequested = false;
  #closing: Promise<void> | undefined;

  constructor(
    private readonly request: ConnectionRequest,
    private readonly fake: FakeConnections,
    private readonly options: Required<FakeOptions>,
  ) {
    this.sessionId = request.sessionId;
  }

  connect(): Promise<void> {
    this.state = "connecting";
    if (this.options.connect === "instant") return this.#link();
    return new Promise<void>((resolve, reject) => {
      this.#connecting = { resolve, reject };
    }).then(() => this.#link());
  }

  succeed(): void {
    this.#connecting?.resolve();
  }

  fail(error = new Error("fake connect failure")): void {
    this.state = "failed";
    this.#connecting?.reject(error);
  }

  /** The server sends notifications/tools/list_changed. */
  async announceToolsChanged(): Promise<void> {
    if (this.state !== "open") throw new Error(`cannot announce on a ${this.state} fake connection`);
    await this.#server?.sendToolListChanged();
  }

  /** Its server answers every ping with an error from now on: the pool's validation fails it. */
  refusePings(): void {
    if (this.state !== "open") throw new Error(`cannot refuse pings on a ${this.state} fake connection`);
    this.#server?.setRequestHandler(PingRequestSchema, () => {
      throw new McpError(ErrorCode.InternalError, "fake ping refused");
    });
  }

  /** The server side closes: the client sees its transport end by itself. */
  die(): void {
    if (this.state !== "open") throw new Error(`cannot kill a ${this.state} fake connection`);
    this.state = "died";
    void this.#server?.close();
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  /** Finishes a manual close (now, or as soon as it starts). */
  exit(): void {
    this.#exitRequested = true;
    this.#exited?.();
  }

  async #close(): Promise<void> {
    const wasConnecting = this.state === "connecting";
    this.state = "closing";
    if (wasConnecting) this.#connecting?.reject(new Error("closed while connecting"));
    this.client.onclose = undefined;
    await this.client.close().catch(() => undefined);
    if (this.options.close === "manual" && !this.#exitRequested) await new Promise<void>((resolve) => (this.#exited = resolve));
    this.state = "closed";
  }

  async #link(): Promise<void> {
    if (this.state !== "connecting") throw new Error(`fake connection ${this.id} ${this.state} while connecting`);
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    this.#server = this.fake.serve(() => (this.toolListsServed += 1));
    await this.#server.connect(serverSide);
    this.client.onclose = () => {
      if (this.state === "open" || this.state === "died") this.request.events.onClosed("transport closed");
    };
    this.client.setNotificationHandler(ToolListChangedNotificationSchema, () => this.request.events.onToolsChanged());
    await this.client.connect(clientSide);
    if ((this.state as FakeState) !== "connecting") throw new Error(`fake connection ${this.id} closed while connecting`);
    this.state = "open";
  }
}

export class FakeConnections {
  readonly made: FakeConnection[] = [];
  readonly cancelled: unknown[] = [];
  readonly #held = new Map<string, (() => void)[]>();
  readonly factory: ConnectionFactory;

  constructor(options: FakeOptions = {}) {
    const settled: Required<FakeOptions> = { connect: options.connect ?? "instant", close: options.close ?? "instant" };
    this.factory = (request) => {
      const connection = new FakeConnection(request, this, settled);
      this.made.push(connection);
      return connection;
    };
  }

  last(): FakeConnection {
    const connection = this.made.at(-1);
    if (!connection) throw new Error("no fake connection made yet");
    return connection;
  }

  alive(): FakeConnection[] {
    return this.made.filter((connection) => connection.state !== "closed" && connection.state !== "new");
  }

  release(key: string): void {
    for (const done of this.#held.get(key) ?? []) done();
    this.#held.delete(key);
  }

  /** A new in-process MCP server with the fake tools; `onListTools` runs at each tools/list it answers. */
  serve(onListTools: () => void = () => undefined): Server {
    const server = new Server({ name: "fake-server", version: "1.0.0" }, { capabilities: { tools: { listChanged: true }, resources: {} } });
    server.setRequestHandler(ListToolsRequestSchema, () => {
      onListTools();
      return { tools: FAKE_TOOLS };
    });
    server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
      const args = (request.params.arguments ?? {}) as Record<string, unknown>;
      switch (request.params.name) {
        case "echo":
          if (typeof args["text"] !== "string") throw new McpError(ErrorCode.InvalidParams, "echo: text must be a string");
          return text(`echo:${args["text"]}`);
        case "hold":
        case "hold_write":
          await this.#hold(String(args["key"]), extra.signal, extra.requestId);
          return text(`held:${String(args["key"])}`);
        case "typed":
          return { content: [], structuredContent: { n: args["n"] } };
        case "fail":
          return { isError: true, content: [{ type: "text", text: String(args["message"]) }] };
        default:
          throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${request.params.name}`);
      }
    });
    server.setRequestHandler(ListResourcesRequestSchema, () => ({ resources: [{ uri: "fake://hold/a", name: "held" }] }));
    server.setRequestHandler(ReadResourceRequestSchema, async (request, extra) => {
      const key = request.params.uri.replace("fake://hold/", "");
      await this.#hold(key, extra.signal, extra.requestId);
      return { contents: [{ uri: request.params.uri, text: `held:${key}` }] };
    });
    return server;
  }

  #hold(key: string, signal: AbortSignal, requestId: unknown): Promise<void> {
    return new Promise<void>((resolve) => {
      const onAbort = () => {
        this.cancelled.push(requestId);
        resolve();
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.#held.set(key, [...(this.#held.get(key) ?? []), resolve]);
    });
  }
}

export function fakeConnections(options?: FakeOptions): FakeConnections {
  return new FakeConnections(options);
}

function text(value: string): CallToolResult {
  return { content: [{ type: "text", text: value }] };
}
