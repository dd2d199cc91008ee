/**
 * One SDK Client and its transport: the unit a pool lends. A connection
 * carries several calls at once (`inFlight`), notices when it dies, and
 * ends its child process for certain when closed.
 *
 *   connecting ──▶ ready ──▶ dead ──▶ closed
 *        │           └──────────────────▲
 *        └─▶ failed ────────────────────┘
 */

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { ToolListChangedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { connectFailure, fallbackFailed } from "./connect-errors.js";
import { configForSession } from "./session-placeholder.js";
import { StderrTail, stderrLineSink } from "./stderr-tail.js";
import { createHttpTransport, createStdioTransport, httpTransportKinds, type StderrMode } from "./transport.js";
import type { HttpServerConfig, ServerConfig } from "./types.js";

export type ConnectionState = "connecting" | "ready" | "failed" | "dead" | "closed";

export interface ConnectionHooks {
  clientInfo: { name: string; version: string };
  stderr: StderrMode;
  /** The server said its tool list changed. */
  onToolsChanged: (connection: Connection) => void;
  /** The connection died (transport closed, child exited, session expired). Called once. */
  onDead: (connection: Connection, reason: string) => void;
}

let nextId = 1;

export class Connection {
  readonly id = nextId++;
  readonly sessionId: string | undefined;
  #state: ConnectionState = "connecting";
  #client: Client | undefined;
  #transport: Transport | undefined;
  #error: Error | undefined;
  /** The last lines of a stdio child's stderr. */
  #stderr: StderrTail | undefined;
  /** Calls in flight on this client. */
  inFlight = 0;
  /** Epoch ms when the last call ended (or the connection opened). */
  lastUsedAt = Date.now();

  constructor(
    readonly config: ServerConfig,
    private readonly hooks: ConnectionHooks,
    sessionId?: string,
  ) {
    this.sessionId = sessionId;
  }

  get state(): ConnectionState {
    return this.#state;
  }

  get isUsable(): boolean {
    return this.#state === "ready";
  }

  /** Why connecting failed, when state is `failed`. */
  get error(): Error | undefined {
    return this.#error;
  }

  get client(): Client {
    if (!this.#client) throw new Error(`Connection ${this.id} to "${this.config.name}" has no client (${this.#state})`);
    return this.#client;
  }

  /** The child's pid for stdio servers. */
  get pid(): number | undefined {
    const transport = this.#transport as StdioClientTransport | undefined;
    return this.config.type === "stdio" ? (transport?.pid ?? undefined) : undefined;
  }

  /** Connects; never throws: a failure leaves the connection `failed` with `error` set. */
  async connect(): Promise<this> {
    try {
      // A per-session server's `${session.id}` is filled in with this connection's session.
      const target = await configForSession(this.config, this.sessionId);
      if (target.type === "stdio") {
        this.#stderr = new StderrTail(stderrLineSink(this.hooks.stderr, target.name));
        await this.#connectWith(createStdioTransport(target, this.#stderr));
      } else {
        await this.#connectHttp(target);
      }
      if (this.#state === "connecting") this.#state = "ready";
    } catch (error) {
      if (this.#state === "connecting") this.#state = "failed";
      await this.#closeTransport();
      // After the close: a child that exited has said all it will on stderr by now.
      this.#error = connectFailure(error, this.#stderr?.lines());
    }
    return this;
  }

  /** Marks the connection unusable; the owner destroys it. Idempotent. */
  markDead(reason: string): void {
    // While connecting, a closing transport is a failed connect, which connect() records.
    if (this.#state !== "ready") return;
    this.#state = "dead";
    this.hooks.onDead(this, reason);
  }

  /** Closes the client and makes sure a child process is gone. Idempotent. */
  async close(): Promise<void> {
    if (this.#state === "closed") return;
    this.#state = "closed";
    await this.#closeTransport();
  }

  async #connectHttp(config: HttpServerConfig): Promise<void> {
    const kinds = httpTransportKinds(config);
    let earlier: unknown;
    for (const [index, kind] of kinds.entries()) {
      try {
        await this.#connectWith(createHttpTransport(config, kind));
        return;
      } catch (error) {
        // The fallback's failure alone would hide the first one, usually the real cause.
        const failure = index === 0 ? error : fallbackFailed(earlier, error);
        // Only a "this endpoint does not speak Streamable HTTP" answer falls back to SSE,
        // and not once close() has been called meanwhile.
        const isLast = index === kinds.length - 1;
        if (isLast || !isProtocolMismatch(error) || this.#state !== "connecting") throw failure;
        earlier = error;
        await this.#closeTransport();
      }
    }
  }

  async #connectWith(transport: Transport): Promise<void> {
    const client = new Client(this.hooks.clientInfo, { capabilities: {} });
    this.#client = client;
    this.#transport = transport;
    client.onclose = () => {
      try {
        this.markDead("transport closed");
      } finally {
        client.onclose = undefined;
      }
    };
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      if (this.#state === "ready") this.hooks.onToolsChanged(this);
    });
    await client.connect(transport, { timeout: this.config.connectTimeoutMs });
  }

  async #closeTransport(): Promise<void> {
    const client = this.#client;
    const transport = this.#transport;
    if (!client || !transport) return;
    client.onclose = undefined;
    const pid = this.pid;
    if (this.config.type === "http") await terminateHttpSession(transport);
    if (pid !== undefined) signal(pid, "SIGTERM");
    const closing = client.close().catch(() => undefined);
    if (pid === undefined) {
      await closing;
      return;
    }
    await Promise.race([closing, delay(this.config.killTimeoutMs)]);
    if (isAlive(pid)) signal(pid, "SIGKILL");
    await closing;
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

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    /* already gone */
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
