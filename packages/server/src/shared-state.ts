/**
 * Where the state that instances must share lives: conversations, the
 * question rate limit and each chat's turn order. REDIS_URL unset: in this process (nothing touches
 * Redis). Set: in Redis, so every instance sees the same.
 */

import { type ConversationStore, InMemoryConversationStore } from "@mcp-pool/agent";
import type { Logger } from "pino";
import type { ServerSettings } from "./config.js";
import { type ChatTurnOrder, InMemoryChatTurnOrder } from "./chat-turn-order.js";
import { QuestionRateLimiter } from "./limits.js";
import { RedisChatTurnOrder } from "./redis-chat-turn-order.js";
import { connectRedis, type RedisConnection } from "./redis-connection.js";
import { RedisConversationStore } from "./redis-conversation-store.js";

export interface SharedState {
  memory: ConversationStore;
  rateLimiter: QuestionRateLimiter;
  /** One turn at a time per (user, chat): in this process, or across instances. */
  turnOrder: ChatTurnOrder;
  /** The Redis connection when REDIS_URL is set. */
  redis: RedisConnection | undefined;
  /** undefined when the shared state can be used; else why not (for /readyz). */
  unavailableReason(): string | undefined;
  close(): Promise<void>;
}

export async function createSharedState(settings: ServerSettings, logger: Logger, givenMemory?: ConversationStore): Promise<SharedState> {
  const limits = { questions: settings.rateLimitQuestions, windowSeconds: settings.rateLimitWindowS };
  if (settings.redisUrl === undefined) {
    return {
      memory:
        givenMemory ??
        new InMemoryConversationStore({
          maxBytesPerOwner: settings.maxHistoryBytesPerUser,
          maxBytes: settings.maxStoreBytes,
          idleTtlMs: settings.conversationTtlS * 1000,
        }),
      rateLimiter: new QuestionRateLimiter(limits),
      turnOrder: new InMemoryChatTurnOrder({ maxQueued: settings.maxQueuedTurns }),
      redis: undefined,
      unavailableReason: () => undefined,
      close: async () => {},
    };
  }
  const redis = await connectRedis(settings.redisUrl, logger);
  const prefix = settings.redisPrefix;
  return {
    memory:
      givenMemory ??
      new RedisConversationStore(redis.client, {
        prefix,
        maxBytesPerOwner: settings.maxHistoryBytesPerUser,
        ttlMs: settings.conversationTtlS * 1000,
      }),
    rateLimiter: new QuestionRateLimiter({ ...limits, redis: { client: redis.client, prefix } }),
    turnOrder: new RedisChatTurnOrder(redis.client, { prefix, maxQueued: settings.maxQueuedTurns, lockMs: settings.turnLockMs, logger }),
    redis,
    unavailableReason: () => redis.unavailableReason(),
    close: () => redis.close(),
  };
}
