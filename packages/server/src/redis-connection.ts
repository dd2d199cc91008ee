/**
 * The one Redis connection of an instance (REDIS_URL), made to fail fast
 * while Redis is down instead of queueing: a question then gets
 * `store_unavailable` at once and /readyz says why, and ioredis reconnects
 * by itself with a capped backoff, so the instance recovers when Redis returns.
 */

import { once } from "node:events";
import { Redis } from "ioredis";
import type { Logger } from "pino";

export interface RedisConnection {
  readonly client: Redis;
  /** undefined when Redis can be used; else a short code for /readyz (`redis_connecting`, `redis_reconnecting`, ...). */
  unavailableReason(): string | undefined;
  close(): Promise<void>;
}

export interface RedisConnectionOptions {
  /** How long a command may take before it fails (default 10 s: a loaded instance's own event loop lags too). */
  commandTimeoutMs?: number;
  /** How long to wait for the first connection before starting anyway, not ready (default 5 s). */
  connectWaitMs?: number;
  /** How often Redis is pinged, and how long it has to answer, before it counts as unresponsive (default 2 s). */
  heartbeatMs?: number;
}

export async function connectRedis(url: string, logger: Logger, options: RedisConnectionOptions = {}): Promise<RedisConnection> {
  const where = describeUrl(url);
  const client = new Redis(url, {
    lazyConnect: true,
    // A command while disconnected fails at once, and one in flight when the link drops is not resent:
    // a write must not happen twice, nor a question wait for an outage to end.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    // A hung Redis (one that keeps the connection open) cannot hold a turn forever.
    commandTimeout: options.commandTimeoutMs ?? 10_000,
    connectTimeout: 2_000,
    retryStrategy: (attempt) => Math.min(100 * attempt, 2_000),
  });
  let down = false;
  client.on("error", (error: Error) => {
    // One line per outage, not one per reconnect attempt.
    if (!down) logger.warn({ redis: where, err: error }, "redis unavailable");
    down = true;
  });
  client.on("ready", () => {
    if (down) logger.info({ redis: where }, "redis available again");
    down = false;
  });
  const ready = once(client, "ready");
  client.connect().catch(() => {
    /* reported by the "error" listener; ioredis keeps trying */
  });
  const timeout = new Promise<void>((resolve) => setTimeout(resolve, options.connectWaitMs ?? 5_000).unref());
  await Promise.race([ready.catch(() => {}), timeout]);
  if (client.status !== "ready")
    logger.warn({ redis: where, status: client.status }, "starting before redis is reachable: not ready until it is");

  // A Redis that hangs (stopped, swapping) keeps its connection open: only an unanswered ping shows it.
  const heartbeatMs = options.heartbeatMs ?? 2_000;
  let unresponsive = false;
  let pinging = false;
  const heartbeat = setInterval(() => {
    if (client.status !== "ready" || pinging) {
      // A ping still unanswered after a whole period means Redis does not answer.
      if (pinging && !unresponsive) logger.warn({ redis: where }, "redis does not answer");
      unresponsive = pinging;
      return;
    }
    pinging = true;
    client.ping().then(
      () => {
        if (unresponsive) logger.info({ redis: where }, "redis answers again");
        pinging = unresponsive = false;
      },
      () => {
        pinging = false;
      },
    );
  }, heartbeatMs);
  heartbeat.unref();

  return {
    client,
    // A short code, as /readyz gives for MCP servers: the error's own text (addresses) goes to the log only.
    unavailableReason: () => (client.status !== "ready" ? `redis_${client.status}` : unresponsive ? "redis_unresponsive" : undefined),
    async close() {
      clearInterval(heartbeat);
      try {
        await client.quit();
      } catch {
        client.disconnect();
      }
    },
  };
}

/** host:port only: a URL may hold a password, which is never logged. */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || "6379"}${parsed.pathname && parsed.pathname !== "/" ? parsed.pathname : ""}`;
  } catch {
    return "(unparsable REDIS_URL)";
  }
}
