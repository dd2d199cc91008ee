/**
 * The default PoolConnection: one SDK Client and its transport (stdio child,
 * Streamable HTTP or SSE session). It connects, says when it ends by itself,
 * and on close() ends its child process for certain. What a pool does with it
 * (lending, idle, retiring) is the pool's business (connection-table.ts).
 *
 *   new ──connect()──▶ connecting ──▶ open ──(transport closed: onClosed)──▶ lost
 *                          │            │                                      │
 *                          │            └──────────close()─────▶ closed ◀──close()
 *                          └── fails, or close() meanwhile: connect() rejects ──▲
 */

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport, SseError } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { ToolListChangedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { Agent } from "undici";
import { connectFailure, fallbackFailed } from "./connect-errors.js";
import { AnswerWatch } from "./http-answer-loss.js";
import type { ConnectionEvents, ConnectionFactory, PoolConnection } from "./connection-factory.js";
import { Redactor } from "./redaction.js";
import { configForSession, makeSessionCwd, sessionCwdToMake } from "./session-placeholder.js";
import { StderrTail, stderrLineSink } from "./stderr-tail.js";
import type { StdioTransport } from "./stdio-transport.js";
import { createHttpTransport, createStdioTransport, httpTransportKinds, type StderrMode } from "./transport.js";
import type { HttpServerConfig, ServerConfig } from "./types.js";

export interface SdkConnectionOptions {
  clientInfo: { name: string; version: string };
  stderr: StderrMode;
}

/** The default factory: SDK clients over each server's configured transport. */
export function sdkConnectionFactory(options: SdkConnectionOptions): ConnectionFactory {
  return ({ server, sessionId, events }) => new Connection(server, options, events, sessionId);
}

/**
 * Has the transport lost a stream that answers were due on, for good? The legacy SSE session is its event
 * stream: once that breaks, its answers never come, and the EventSource's reconnect would open a new
 * session (new server state) under the same client, unsaid. A Streamable HTTP answer stream the server
 * made resumable (SSE event ids) is resumed by the SDK, which says when it gives up (the server is gone);
 * the requests waiting on it would wait for their timeout. Only once such an answer was cut: the SDK says
 * the same of the standalone GET stream (notifications), whose loss leaves the session's state alone.
 * (A stream without ids: http-answer-loss.ts.)
 */
function streamLost(transport: Transport, error: Error, answersAwaitResumption: boolean): boolean {
  if (transport instanceof SSEClientTransport) return error instanceof SseError;
  return answersAwaitResumption && /^Maximum reconnection attempts \(\d+\) exceeded\.$/.test(error.message);
}

/** `lost`: the transport closed by itself; close() still runs to make sure the child is gone. */
type Phase = "new" | "connecting" | "open" | "lost" | "closed";

let nextId = 1;

export class Connection implements PoolConnection {
  readonly id = nextId++;
  #phase: Phase = "new";
  #client: Client | undefined;
  #transport: Transport | undefined;
  /** An HTTP transport's sockets: destroyed with it, so none outlives the connection. */
  #sockets: Agent | undefined;
  /** The last lines of a stdio child's stderr. */
  #stderr: StderrTail | undefined;
  /** An HTTP transport's answers due: if the SDK gives up resuming a cut stream, some never come (streamLost). */
  #answers: AnswerWatch | undefined;
  /** Keeps the config's expanded secrets out of what this connection reports. */
  readonly #redactor: Redactor;

  constructor(
    readonly config: ServerConfig,
    private readonly options: SdkConnectionOptions,
    private readonly events: ConnectionEvents,
    /** A per-session server's session: its `${session.id}` placeholders are filled in with it. */
    readonly sessionId?: string,
  ) {
    this.#redactor = new Redactor(config.secrets);
  }

  get client(): Client {
    if (!this.#client) throw new Error(`Connection ${this.id} to "${this.config.name}" has no client (${this.#phase})`);
    return this.#client;
  }

  /** The child's pid for stdio servers, until its exit is confirmed. */
  get pid(): number | undefined {
    return this.config.type === "stdio" ? (this.#transport as StdioTransport | undefined)?.pid : undefined;
  }

  async connect(): Promise<void> {
    if (this.#phase !== "new") throw new Error(`Connection ${this.id} to "${this.config.name}" was already connected`);
    this.#phase = "connecting";
    try {
      // A per-session server's `${session.id}` is filled in with this connection's session.
      const target = configForSession(this.config, this.sessionId);
      const cwd = sessionCwdToMake(this.config, target);
      if (cwd !== undefined) {
        await makeSessionCwd(cwd);
        // close() came meanwhile: start nothing (nobody would end it).
        if ((this.#phase as Phase) === "closed")
          throw new Error(`Connection ${this.id} to "${this.config.name}" was closed while connecting`);
      }
      if (target.type === "stdio") {
        const sink = stderrLineSink(this.options.stderr, target.name);
        this.#stderr = new StderrTail(sink && ((line) => sink(this.#redactor.text(line))));
        const onWarning = (message: string) => this.events.onWarning?.(this.#redactor.text(message));
        await this.#connectWith(createStdioTransport(target, this.#stderr, onWarning));
      } else {
        await this.#connectHttp(target);
      }
    } catch (error) {
      await this.#closeTransport();
      // After the close: a child that exited has said all it will on stderr by now.
      throw this.#redactor.error(connectFailure(error, this.#stderr?.lines()));
    }
    // close() during the handshake: it has ended the transport.
    if ((this.#phase as Phase) === "closed") throw new Error(`Connection ${this.id} to "${this.config.name}" was closed while connecting`);
    this.#phase = "open";
  }

  /** Closes the client and makes sure a child process is gone. Idempotent. */
  async close(): Promise<void> {
    if (this.#phase === "closed") return;
    this.#phase = "closed";
    await this.#closeTransport();
  }

  async #connectHttp(config: HttpServerConfig): Promise<void> {
    const kinds = httpTransportKinds(config);
    let earlier: unknown;
    for (const [index, kind] of kinds.entries()) {
      try {
        this.#sockets = new Agent();
        const events = {
          onErrorBody: (status: number, body: string) =>
            this.events.onDebug?.(`HTTP ${status} from the server; its body`, this.#redactor.text(body)),
          answers: new AnswerWatch(),
        };
        this.#answers = events.answers;
        await this.#connectWith(createHttpTransport(config, kind, this.#sockets, events));
        return;
      } catch (error) {
        // The fallback's failure alone would hide the first one, usually the real cause.
        const failure = index === 0 ? error : fallbackFailed(earlier, error);
        // Only a "this endpoint does not speak Streamable HTTP" answer falls back to SSE,
        // and not once close() has been called meanwhile.
        const isLast = index === kinds.length - 1;
        if (isLast || !isProtocolMismatch(error) || this.#phase !== "connecting") throw failure;
        earlier = error;
        await this.#closeTransport();
      }
    }
  }

  async #connectWith(transport: Transport): Promise<void> {
    const client = new Client(this.options.clientInfo, { capabilities: {} });
    this.#client = client;
    this.#transport = transport;
    client.onclose = () => {
      try {
        // While connecting, a closing transport is a failed connect, which connect() reports.
        if (this.#phase === "open") {
          this.#phase = "lost";
          this.events.onClosed("transport closed");
        }
      } finally {
        client.onclose = undefined;
      }
    };
    client.onerror = (error) => {
      // Answers that will never come: the connection is lost, as a stdio child that died (calls in flight fail).
      if (this.#phase === "open" && streamLost(transport, error, this.#answers?.answersAwaitResumption ?? false)) {
        void transport.close().catch(() => undefined);
      }
    };
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      if (this.#phase === "open") this.events.onToolsChanged();
    });
    await client.connect(transport, { timeout: this.config.connectTimeoutMs });
  }

  /** Ends the transport: an HTTP session is deleted; a child and its process group are gone when this resolves. */
  async #closeTransport(): Promise<void> {
    const client = this.#client;
    const transport = this.#transport;
    const sockets = this.#sockets;
    this.#sockets = undefined;
    if (client && transport) {
      client.onclose = undefined;
      if (this.config.type === "http") await terminateHttpSession(transport);
      // The transport's own close first: the client's would not wait for it had the connect failed.
      await transport.close().catch(() => undefined);
      await client.close().catch(() => undefined);
    }
    // Whatever is still open on them (a stream the server keeps open) ends now.
    await sockets?.destroy().catch(() => undefined);
  }
}

/**
 * True when an HTTP error says the server no longer knows our session
 * (restart, expiry). The spec answers 404; some servers (server-everything)
 * answer 400. Either way the transport refused the POST, so the call never ran.
 */
export function isSessionExpired(error: unknown): boolean {
  return error instanceof StreamableHTTPError && (error.code === 404 || error.code === 400);
}

function isProtocolMismatch(error: unknown): boolean {
  return error instanceof StreamableHTTPError && error.code !== undefined && error.code >= 400 && error.code < 500;
}

/** Politely ends an HTTP MCP session (DELETE), bounded: the server may be gone. */
async function terminateHttpSession(transport: Transport): Promise<void> {
  const terminate = (transport as { terminateSession?: () => Promise<void> }).terminateSession;
  if (typeof terminate !== "function" || !transport.sessionId) return;
  await Promise.race([terminate.call(transport).catch(() => undefined), delay(1_000)]);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
