/**
 * createChatServer: the whole server in one call, for `main.ts`, tests and
 * embedding. Builds the manager (unless given one), the routes and the
 * WebSocket endpoint, listens, and closes everything in order.
 */

import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { createAgent, type ConversationStore, type LlmSettings } from "@mcp-pool/agent";
import { PooledMCPServerManager, type ManagerStats } from "mcp-pool";
import type { Logger } from "pino";
import { createApp } from "./app.js";
import { Authenticator, selectSubprotocol } from "./auth.js";
import { isLoopbackHost, mcpConfigEnv, settingsFromEnv, type ServerSettings } from "./config.js";
import { ClientAddresses } from "./client-address.js";
import { guardConnections, httpTimeouts, PerAddressCount } from "./connection-guard.js";
import { RefusalLog } from "./refusal-log.js";
import { createLogger } from "./logger.js";
import { ServerMetrics, type SocketCounts } from "./metrics.js";
import { ReadinessCheck } from "./readiness.js";
import { createSharedState } from "./shared-state.js";
import { SocketHub } from "./socket-hub.js";
import { toolsForUser } from "./user-tools.js";
import type { ChatTurnOrder } from "./chat-turn-order.js";
import { historyFrame } from "./history-frame.js";
import { socketEvents } from "./socket-handler.js";
import { CloseCode } from "./ws-protocol.js";

/** What the tool console says about configuring a model: this server's environment variables. */
const MODEL_HINT = [
  "To chat with a model, start the server with one of:",
  "  OPENAI_API_KEY=sk-...   (OpenAI; OPENAI_MODEL defaults to gpt-4o-mini)",
  "  OPENAI_BASE_URL=http://127.0.0.1:11434/v1 OPENAI_MODEL=llama3.1   (Ollama, vLLM, llama.cpp: any OpenAI-compatible endpoint)",
].join("\n");

export interface ChatServerOptions extends Partial<ServerSettings> {
  /** Use this manager instead of loading `mcpConfig`; the caller then owns (and closes) it. */
  manager?: PooledMCPServerManager;
  /** The model; null or absent = offline tool console. */
  llm?: LlmSettings | null;
  /** Conversation memory shared by all sessions (default: in Redis when redisUrl is set, else in this process, bounded by maxHistoryBytesPerUser and maxStoreBytes). */
  memory?: ConversationStore;
  /** Turn order per (user, chat) (default: in Redis when redisUrl is set, else in this process; MAX_QUEUED_TURNS waiting per chat). */
  turnOrder?: ChatTurnOrder;
  systemPrompt?: string;
  logger?: Logger;
}

/** The body of GET /api/stats. */
export interface ApiStats extends SocketCounts {
  mode: "llm" | "console";
  /** Turns ended so far, by outcome (`ok` or an error code). */
  turns: Record<string, number>;
  pool: ManagerStats;
}

export interface ChatServer {
  /** `http://host:port`; the socket is at `${url.replace("http", "ws")}/ws`. */
  readonly url: string;
  readonly port: number;
  readonly settings: ServerSettings;
  readonly manager: PooledMCPServerManager;
  /** What was loaded, one line each, for the start banner. */
  describe(): string[];
  /** Stops accepting, lets turns finish up to `graceMs` (default shutdownGraceMs), closes sockets with 1012 (reconnect: another instance, or this one restarted, takes over) and the manager. */
  close(options?: { graceMs?: number }): Promise<void>;
}

export async function createChatServer(options: ChatServerOptions = {}): Promise<ChatServer> {
  const {
    manager: givenManager,
    llm = null,
    memory: givenMemory,
    turnOrder: givenOrder,
    systemPrompt,
    logger: givenLogger,
    ...overrides
  } = options;
  const settings: ServerSettings = { ...settingsFromEnv({}), ...definedOnly(overrides) };
  const logger = givenLogger ?? createLogger(settings.logLevel);
  const shared = await createSharedState(settings, logger, givenMemory);
  const { memory, rateLimiter } = shared;
  const turnOrder = givenOrder ?? shared.turnOrder;
  const manager =
    givenManager ??
    (await PooledMCPServerManager.fromFile(settings.mcpConfig, {
      env: mcpConfigEnv(process.env),
      stderr: (server, line) => logger.debug({ server }, line),
    }).catch(async (error: unknown) => {
      await shared.close();
      throw error;
    }));
  manager.on("warning", (w) => logger.warn({ server: w.server, err: w.error }, w.message));
  manager.on("debug", (d) => logger.debug({ server: d.server, detail: d.detail }, d.message));

  const hub = new SocketHub();
  const metrics = new ServerMetrics(manager, () => hub.counts());
  const refusals = new RefusalLog(logger, (limit) => metrics.limited(limit));
  const auth = new Authenticator(settings);
  const releases = new Set<Promise<void>>();
  let closing: Promise<void> | undefined;
  const isClosing = () => closing !== undefined;

  const releaseSession = (sessionId: string) => {
    const release = manager
      .releaseSession(sessionId)
      .catch((error: unknown) => logger.warn({ session_id: sessionId, err: error }, "releaseSession failed"))
      .finally(() => releases.delete(release));
    releases.add(release);
  };

  const deps = {
    hub,
    logger,
    rateLimiter,
    turnOrder,
    isClosing,
    refusals,
    maxConnections: settings.maxConnections,
    maxSocketsPerUser: settings.maxSocketsPerUser,
    idleTimeoutMs: settings.idleTimeoutMs,
    maxSendBufferBytes: settings.maxSendBufferBytes,
    sendStallMs: settings.sendStallMs,
    maxServerFrameBytes: settings.maxServerFrameBytes,
    mode: llm ? ("llm" as const) : ("console" as const),
    createAgent: (sessionId: string, owner: string, fairnessKey: string) =>
      createAgent({
        sessionId,
        owner,
        tools: toolsForUser(manager, fairnessKey),
        llm,
        memory,
        ...(systemPrompt ? { systemPrompt } : {}),
        consoleHint: MODEL_HINT,
        logger: logger.child({ session_id: sessionId }),
      }),
    history: async (owner: string, chatId: string) => historyFrame(chatId, await memory.load(owner, chatId), settings.maxServerFrameBytes),
    onTurnEnd: (outcome: string, seconds: number) => metrics.turnEnded(outcome, seconds),
    afterClose: releaseSession,
    forgetOwner: (owner: string) => {
      memory
        .deleteOwner(owner)
        .catch((error: unknown) => logger.warn({ user_id: owner, err: error }, "forgetting a user's conversations failed"));
    },
  };

  const clientAddresses = new ClientAddresses(settings.trustProxy);
  const { app, nodeWs } = createApp({
    auth,
    metrics,
    isClosing,
    clientAddresses,
    proxiedClients: new PerAddressCount(settings.maxConnectionsPerIp),
    allowedOrigins: settings.allowedOrigins,
    allowedHosts: settings.allowedHosts,
    boundToLoopback: isLoopbackHost(settings.host),
    refusals,
    readiness: new ReadinessCheck(manager, settings.readyCacheMs, {
      timeoutMs: settings.readyTimeoutMs,
      storeReason: shared.redis && (() => shared.unavailableReason()),
      logger,
    }),
    stats: async (): Promise<ApiStats> => ({ ...hub.counts(), mode: deps.mode, turns: await metrics.turnCounts(), pool: manager.stats() }),
    socketEvents: (peer) => socketEvents(peer, deps),
    logger,
  });
  // @hono/node-ws makes its WebSocketServer with ws' defaults; these apply from the next handshake on.
  nodeWs.wss.options.maxPayload = settings.maxFrameBytes;
  nodeWs.wss.options.handleProtocols = selectSubprotocol;

  const server = await listen(app.fetch, settings).catch(async (error: unknown) => {
    metrics.close();
    if (!givenManager) await manager.close({ graceMs: 0 });
    await shared.close();
    throw error;
  });
  guardConnections(server, {
    maxPerAddress: settings.maxConnectionsPerIp,
    uncounted: (address) => clientAddresses.fromTrustedProxy(address),
    headersTimeoutMs: settings.headersTimeoutMs,
    requestTimeoutMs: settings.requestTimeoutMs,
    refusals,
  });
  nodeWs.injectWebSocket(server);
  const port = (server.address() as AddressInfo).port;
  const url = `http://${settings.host.includes(":") ? `[${settings.host}]` : settings.host}:${port}`;

  const shutdown = async (graceMs: number) => {
    logger.info({ grace_ms: graceMs, sockets: hub.size }, "shutting down");
    // Still listening while turns drain: new handshakes get 503 and /readyz says 503, so a balancer
    // (or a client) learns the server is going instead of finding nobody there.
    await hub.drain(graceMs, "the server is shutting down");
    for (const sessionId of await hub.closeAll(CloseCode.serviceRestart, "service restart")) releaseSession(sessionId);
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
    await Promise.all(releases);
    if (!givenManager) await manager.close({ graceMs: 1000 });
    await shared.close();
    metrics.close();
    server.closeAllConnections();
    await stopped;
    logger.info("shut down");
  };

  return {
    url,
    port,
    settings,
    manager,
    describe: () => describe(url, settings, manager, llm, auth.enabled),
    close: (closeOptions = {}) => (closing ??= shutdown(closeOptions.graceMs ?? settings.shutdownGraceMs)),
  };
}

function listen(fetch: (request: Request) => Response | Promise<Response>, settings: ServerSettings): Promise<Server> {
  return new Promise((resolve, reject) => {
    const serverOptions = httpTimeouts(settings.headersTimeoutMs, settings.requestTimeoutMs);
    const server = serve({ fetch, hostname: settings.host, port: settings.port, serverOptions }, () => {
      server.off("error", reject);
      resolve(server as Server);
    });
    server.once("error", reject);
  });
}

function describe(
  url: string,
  settings: ServerSettings,
  manager: PooledMCPServerManager,
  llm: LlmSettings | null,
  authOn: boolean,
): string[] {
  const servers = manager.config.servers.map(
    (s) => `${s.name} (${s.type}, ${s.sharing}, max ${s.pool.maxConnections} clients, ${s.maxCallsPerSession} calls per session)`,
  );
  return [
    `chat page   ${url}/`,
    `websocket   ${url.replace(/^http/, "ws")}/ws`,
    `mcp config  ${settings.mcpConfig}`,
    `mcp servers ${servers.join("; ") || "none"}`,
    `agent       ${llm ? `LLM ${llm.model} at ${llm.baseURL ?? "api.openai.com"}` : "offline tool console (/help, /tools, /call <tool> <json>)"}`,
    `auth        ${authOn ? "bearer token required on /ws and /api/*" : "off (each socket is its own anonymous user)"}`,
  ];
}

function definedOnly<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Partial<T>;
}
