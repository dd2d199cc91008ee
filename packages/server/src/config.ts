/**
 * Server settings from the environment: one zod schema, every default in one
 * place, and errors that name the variable that is wrong.
 */

import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import type { BlockList } from "node:net";
import { z } from "zod";
import { trustedProxies } from "./client-address.js";

/** The config that runs @modelcontextprotocol/server-everything over stdio (shipped in the package, to copy). */
export const DEFAULT_MCP_CONFIG = fileURLToPath(new URL("../config/default.mcp.json", import.meta.url));

/**
 * The environment `${VAR}`s in an MCP config expand from: `env`, plus
 * SERVER_EVERYTHING_JS (unless set), the entry of the server-everything this
 * package depends on, wherever the installer put it.
 */
export function mcpConfigEnv(env: Record<string, string | undefined>): Record<string, string | undefined> {
  // require.resolve, not import.meta.resolve: the same answer, and vitest's module runner lacks the latter.
  const everything = createRequire(import.meta.url).resolve("@modelcontextprotocol/server-everything/dist/index.js");
  return { SERVER_EVERYTHING_JS: everything, ...env };
}

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

const int = (min: number) => z.coerce.number().int().min(min);

/** `token1:user1,token2:user2` → Map(token → user id). */
const authTokens = z.string().transform((value, ctx) => {
  const tokens = new Map<string, string>();
  for (const pair of value
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)) {
    const colon = pair.lastIndexOf(":");
    const token = pair.slice(0, colon).trim();
    const user = pair.slice(colon + 1).trim();
    if (colon <= 0 || !token || !user) {
      ctx.addIssue({ code: "custom", message: `expected "token:user" pairs separated by commas, got "${pair.slice(0, 3)}…"` });
      return z.NEVER;
    }
    tokens.set(token, user);
  }
  return tokens;
});

const list = z.string().transform((value) =>
  value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean),
);

/** Environment variable → setting. Empty strings count as unset. */
const envSchema = z.object({
  PORT: int(0).max(65535).default(3000),
  HOST: z.string().min(1).default("127.0.0.1"),
  MCP_CONFIG: z.string().min(1).default(DEFAULT_MCP_CONFIG),
  LOG_LEVEL: z.enum(LOG_LEVELS).default("info"),
  MAX_CONNECTIONS: int(1).default(1000),
  MAX_CONNECTIONS_PER_IP: int(1).default(64),
  MAX_SOCKETS_PER_USER: int(1).default(8),
  HEADERS_TIMEOUT_MS: int(1).default(10_000),
  REQUEST_TIMEOUT_MS: int(1).default(30_000),
  MAX_FRAME_BYTES: int(64).default(64 * 1024),
  MAX_QUEUED_TURNS: int(0).default(4),
  RATE_LIMIT_QUESTIONS: int(1).default(30),
  RATE_LIMIT_WINDOW_S: int(1).default(60),
  IDLE_TIMEOUT_MS: int(1).default(10 * 60_000),
  MAX_HISTORY_BYTES_PER_USER: int(1024).default(1024 * 1024),
  MAX_STORE_BYTES: int(1024).default(64 * 1024 * 1024),
  MAX_SEND_BUFFER_BYTES: int(64 * 1024).default(1024 * 1024),
  MAX_SERVER_FRAME_BYTES: int(4096).default(128 * 1024),
  SEND_STALL_MS: int(1).default(30_000),
  SHUTDOWN_GRACE_MS: int(0).default(10_000),
  READY_CACHE_MS: int(0).default(2_000),
  READY_TIMEOUT_MS: int(1).default(5_000),
  REDIS_URL: z
    .string()
    .refine((value) => /^rediss?:\/\/[^/]/.test(value), 'must be a redis:// or rediss:// URL, e.g. "redis://127.0.0.1:6379"')
    .optional(),
  REDIS_PREFIX: z.string().min(1).max(64).default("mcp-pool:"),
  CONVERSATION_TTL_S: int(1).default(3600),
  TURN_LOCK_MS: int(1000).default(15_000),
  AUTH_TOKENS: authTokens.optional(),
  JWT_SECRET: z.string().min(16, "must be at least 16 characters").optional(),
  JWT_ALLOW_NO_EXP: z.enum(["true", "false"], { message: 'must be "true" or "false"' }).optional(),
  JWT_AUDIENCE: z.string().min(1).optional(),
  JWT_ISSUER: z.string().min(1).optional(),
  ALLOWED_ORIGINS: list.optional(),
  ALLOWED_HOSTS: list.optional(),
  TRUST_PROXY: list
    .transform((entries, ctx) => {
      try {
        return trustedProxies(entries);
      } catch (error) {
        ctx.addIssue({ code: "custom", message: (error as Error).message });
        return z.NEVER;
      }
    })
    .optional(),
});

export type LogLevel = (typeof LOG_LEVELS)[number];

export interface ServerSettings {
  port: number;
  host: string;
  /** Path of the `mcpServers` JSON file. */
  mcpConfig: string;
  logLevel: LogLevel;
  /** Open sockets at most; the next one is closed with 1013. */
  maxConnections: number;
  /** Open sockets per user (anonymous users: per remote address); the next is closed with 1013. */
  maxSocketsPerUser: number;
  /** TCP connections from one remote address at most; the next is closed at once. */
  maxConnectionsPerIp: number;
  /** A connection must send a request's complete headers within this (also: from connecting). */
  headersTimeoutMs: number;
  /** A whole HTTP request (headers and body) must arrive within this; ≥ headersTimeoutMs. */
  requestTimeoutMs: number;
  /** Largest text frame accepted; a larger one closes the socket with 1009. */
  maxFrameBytes: number;
  /** Turns waiting behind the running one in one chat; beyond, `busy`. */
  maxQueuedTurns: number;
  /** Questions per user per window; beyond, `rate_limited`. */
  rateLimitQuestions: number;
  rateLimitWindowS: number;
  /** A socket with no frame and no turn for this long is closed. */
  idleTimeoutMs: number;
  /** Conversation memory kept per user (either store); beyond, their least recently used chats, then oldest turns, go. */
  maxHistoryBytesPerUser: number;
  /** Conversation memory kept in all (in-memory store; with Redis, Redis' own `maxmemory` bounds it); beyond, the user holding the most loses first. */
  maxStoreBytes: number;
  /** Bytes one socket may have queued for its client; beyond, its turns wait and its frames are not read. */
  maxSendBufferBytes: number;
  /** Largest frame the server sends: a longer delta is split, any other frame's long text cut (`truncated`). */
  maxServerFrameBytes: number;
  /** A socket over maxSendBufferBytes this long is closed (1008) and its turns cancelled. */
  sendStallMs: number;
  /** How long turns in flight may finish after SIGTERM. */
  shutdownGraceMs: number;
  /** How long a /readyz answer is reused. */
  readyCacheMs: number;
  /** The longest /readyz probes a server (at most its connectTimeoutMs): a readiness probe must not hang. */
  readyTimeoutMs: number;
  /** Redis for conversations, rate limits and turn order, shared by instances; undefined = all in this process. */
  redisUrl: string | undefined;
  /** Prefix of every Redis key this server writes. */
  redisPrefix: string;
  /** A conversation unused this long is forgotten (both stores). */
  conversationTtlS: number;
  /** Redis mode: a turn's hold on its chat expires this long after its instance last renewed it (a dead instance frees its chats). */
  turnLockMs: number;
  /** Static bearer tokens → user id. */
  authTokens: Map<string, string>;
  /** HS256 secret for JWT bearer tokens (user id = `jwt:<sub>`). */
  jwtSecret: string | undefined;
  /** Accept JWTs without `exp` (they never expire). */
  jwtAllowNoExp: boolean;
  /** When set, a JWT's `aud` must include it. */
  jwtAudience: string | undefined;
  /** When set, a JWT's `iss` must be it. */
  jwtIssuer: string | undefined;
  /** Allowed `Origin` values for /ws and /api/*; empty = the page's own origin only. */
  allowedOrigins: string[];
  /** `Host` names served; empty = loopback names when bound to loopback, else any. */
  allowedHosts: string[];
  /** Proxies whose X-Forwarded-For names the client (per-address limits, anonymous users, logs); undefined = none. */
  trustProxy: BlockList | undefined;
}

/** A setting in the environment is invalid; `key` names the variable. */
export class SettingsError extends Error {
  readonly code = "settings_invalid";
  readonly key: string;
  constructor(key: string, message: string) {
    super(`${key}: ${message}`);
    this.name = "SettingsError";
    this.key = key;
  }
}

/** Reads the settings from `env`; throws SettingsError naming the first bad variable. */
export function settingsFromEnv(env: Record<string, string | undefined>): ServerSettings {
  const known = Object.fromEntries(Object.keys(envSchema.shape).map((key) => [key, env[key] === "" ? undefined : env[key]]));
  const parsed = envSchema.safeParse(known);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new SettingsError(String(issue.path[0] ?? "environment"), issue.message);
  }
  const e = parsed.data;
  if (e.MAX_STORE_BYTES < e.MAX_HISTORY_BYTES_PER_USER) {
    throw new SettingsError("MAX_STORE_BYTES", `must be at least MAX_HISTORY_BYTES_PER_USER (${e.MAX_HISTORY_BYTES_PER_USER})`);
  }
  if (e.REQUEST_TIMEOUT_MS < e.HEADERS_TIMEOUT_MS) {
    throw new SettingsError("REQUEST_TIMEOUT_MS", `must be at least HEADERS_TIMEOUT_MS (${e.HEADERS_TIMEOUT_MS})`);
  }
  return {
    port: e.PORT,
    host: e.HOST,
    mcpConfig: e.MCP_CONFIG,
    logLevel: e.LOG_LEVEL,
    maxConnections: e.MAX_CONNECTIONS,
    maxSocketsPerUser: e.MAX_SOCKETS_PER_USER,
    maxConnectionsPerIp: e.MAX_CONNECTIONS_PER_IP,
    headersTimeoutMs: e.HEADERS_TIMEOUT_MS,
    requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
    maxFrameBytes: e.MAX_FRAME_BYTES,
    maxQueuedTurns: e.MAX_QUEUED_TURNS,
    rateLimitQuestions: e.RATE_LIMIT_QUESTIONS,
    rateLimitWindowS: e.RATE_LIMIT_WINDOW_S,
    idleTimeoutMs: e.IDLE_TIMEOUT_MS,
    maxHistoryBytesPerUser: e.MAX_HISTORY_BYTES_PER_USER,
    maxStoreBytes: e.MAX_STORE_BYTES,
    maxSendBufferBytes: e.MAX_SEND_BUFFER_BYTES,
    sendStallMs: e.SEND_STALL_MS,
    maxServerFrameBytes: e.MAX_SERVER_FRAME_BYTES,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    readyCacheMs: e.READY_CACHE_MS,
    readyTimeoutMs: e.READY_TIMEOUT_MS,
    redisUrl: e.REDIS_URL,
    redisPrefix: e.REDIS_PREFIX,
    conversationTtlS: e.CONVERSATION_TTL_S,
    turnLockMs: e.TURN_LOCK_MS,
    authTokens: e.AUTH_TOKENS ?? new Map(),
    jwtSecret: e.JWT_SECRET,
    jwtAllowNoExp: e.JWT_ALLOW_NO_EXP === "true",
    jwtAudience: e.JWT_AUDIENCE,
    jwtIssuer: e.JWT_ISSUER,
    allowedOrigins: e.ALLOWED_ORIGINS ?? [],
    allowedHosts: e.ALLOWED_HOSTS ?? [],
    trustProxy: e.TRUST_PROXY,
  };
}

/** True when the host only accepts connections from this machine. */
export function isLoopbackHost(host: string): boolean {
  return host === "localhost" || host === "::1" || host.startsWith("127.");
}
