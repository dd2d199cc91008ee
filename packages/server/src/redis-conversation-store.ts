/**
 * Conversation memory in Redis, shared by every instance: one list per
 * (owner, chat), written by Lua scripts (redis-conversation-scripts.ts) so a
 * write is checked against the turn's fence and kept within the owner's byte
 * bound in one atomic step. Conversations expire `ttlMs` after their last use.
 */

import { type AppendOptions, type ChatMessage, type ConversationStore, StoreUnavailableError, TurnLostError } from "@mcp-pool/agent";
import type { Redis } from "ioredis";
import { APPEND_SCRIPT, DELETE_SCRIPT, LOAD_SCRIPT } from "./redis-conversation-scripts.js";

export interface RedisConversationStoreOptions {
  /** Key prefix, so several deployments can share one Redis (default `mcp-pool:`). */
  prefix?: string;
  /** Bytes kept per owner; beyond, that owner's least recently used conversations go, then the oldest turns of the current one. */
  maxBytesPerOwner: number;
  /** A conversation unused this long expires (Redis TTL). */
  ttlMs: number;
  /** Most messages kept per conversation; the oldest turns go first (default 200). */
  maxMessagesPerConversation?: number;
}

/** As in the in-memory store: what a conversation costs besides its messages. */
const CONVERSATION_OVERHEAD_BYTES = 512;

type Script = (...args: (string | number)[]) => Promise<unknown>;
interface ScriptedRedis {
  mcpPoolAppend: Script;
  mcpPoolLoad: Script;
  mcpPoolDelete: Script;
}

export class RedisConversationStore implements ConversationStore {
  readonly #redis: Redis & ScriptedRedis;
  readonly #prefix: string;
  readonly #options: RedisConversationStoreOptions;
  readonly #maxMessages: number;

  constructor(redis: Redis, options: RedisConversationStoreOptions) {
    redis.defineCommand("mcpPoolAppend", { numberOfKeys: 6, lua: APPEND_SCRIPT });
    redis.defineCommand("mcpPoolLoad", { numberOfKeys: 4, lua: LOAD_SCRIPT });
    redis.defineCommand("mcpPoolDelete", { numberOfKeys: 2, lua: DELETE_SCRIPT });
    this.#redis = redis as Redis & ScriptedRedis;
    this.#prefix = options.prefix ?? "mcp-pool:";
    this.#options = options;
    this.#maxMessages = options.maxMessagesPerConversation ?? 200;
  }

  async load(owner: string, chatId: string): Promise<ChatMessage[]> {
    const member = memberOf(owner, chatId);
    const items = (await this.#call(() =>
      this.#redis.mcpPoolLoad(...this.#chatKeys(owner, member), this.#prefix, member, Date.now(), this.#options.ttlMs),
    )) as string[];
    return items.map((item) => JSON.parse(item) as ChatMessage);
  }

  async append(owner: string, chatId: string, messages: ChatMessage[], options: AppendOptions = {}): Promise<void> {
    const member = memberOf(owner, chatId);
    const fence = options.fence;
    await this.#call(() =>
      this.#redis.mcpPoolAppend(
        ...this.#chatKeys(owner, member),
        `${this.#prefix}lock:${member}`,
        `${this.#prefix}turn:${fence?.turnId ?? ""}`,
        this.#prefix,
        member,
        Date.now(),
        this.#options.ttlMs,
        this.#options.maxBytesPerOwner,
        this.#maxMessages,
        options.part ?? "",
        fence?.turnId ?? "",
        fence ? String(fence.token) : "",
        CONVERSATION_OVERHEAD_BYTES + member.length,
        // `role` first: the scripts tell a question by its first bytes.
        ...messages.map(({ role, ...rest }) => JSON.stringify({ role, ...rest })),
      ),
    );
  }

  async delete(owner: string, chatId: string): Promise<void> {
    await this.#call(() => this.#redis.mcpPoolDelete(...this.#ownerKeys(owner), this.#prefix, memberOf(owner, chatId)));
  }

  async deleteOwner(owner: string): Promise<void> {
    await this.#call(() => this.#redis.mcpPoolDelete(...this.#ownerKeys(owner), this.#prefix, ""));
  }

  /** Bytes the owner holds (messages as JSON plus overhead per conversation), for tests and operators. */
  async bytesOf(owner: string): Promise<number> {
    const values = await this.#call(() => this.#redis.hvals(this.#ownerKeys(owner)[0]));
    return values.reduce((sum, v) => sum + Number(v), 0);
  }

  #chatKeys(owner: string, member: string): string[] {
    return [`${this.#prefix}chat:${member}`, `${this.#prefix}pending:${member}`, ...this.#ownerKeys(owner)];
  }

  #ownerKeys(owner: string): [string, string] {
    const o = JSON.stringify(owner);
    return [`${this.#prefix}owner:${o}`, `${this.#prefix}recent:${o}`];
  }

  async #call<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      throw storeError(error);
    }
  }
}

/** A script's TURN_LOST reply is the fence refusing a write; anything else means Redis could not be used. */
export function storeError(error: unknown): Error {
  const message = error instanceof Error ? error.message : String(error);
  if (message.includes("TURN_LOST"))
    return new TurnLostError("This turn lost its chat's lock (it stalled, or lost Redis) and may not write");
  return new StoreUnavailableError(`The conversation store (Redis) is unavailable: ${message}`, { cause: error });
}

/** Unambiguous for any owner and chat id (no separator to collide with), as in the in-memory store. */
function memberOf(owner: string, chatId: string): string {
  return JSON.stringify([owner, chatId]);
}
