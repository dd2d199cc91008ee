/**
 * Conversation memory, keyed by (owner, chatId). The interface is async and
 * append-only so a shared store (Redis: RPUSH/LRANGE/EXPIRE) can implement it
 * for several server instances; messages are plain JSON.
 */

import type { ChatMessage } from "./messages.js";

export interface ConversationStore {
  /** The messages of one conversation, oldest first; [] when there is none. */
  load(owner: string, chatId: string): Promise<ChatMessage[]>;
  /**
   * Adds messages at the end as one unit: an assistant message with tool
   * calls is always appended together with its tool results.
   */
  append(owner: string, chatId: string, messages: ChatMessage[]): Promise<void>;
  /** Forgets one conversation. */
  delete(owner: string, chatId: string): Promise<void>;
}

export interface InMemoryConversationStoreOptions {
  /** Most conversations kept; the least recently used goes first (default 1000). */
  maxConversations?: number;
  /** A conversation untouched this long is forgotten (default 1 hour). */
  idleTtlMs?: number;
  /** Most messages kept per conversation; the oldest turns go first (default 200). */
  maxMessagesPerConversation?: number;
  /** Clock, for tests. */
  now?: () => number;
}

interface Entry {
  messages: ChatMessage[];
  touchedAt: number;
}

/** The default store: one process, bounded by entries (LRU) and idle TTL, no timers. */
export class InMemoryConversationStore implements ConversationStore {
  readonly #entries = new Map<string, Entry>();
  readonly #maxConversations: number;
  readonly #idleTtlMs: number;
  readonly #maxMessages: number;
  readonly #now: () => number;

  constructor(options: InMemoryConversationStoreOptions = {}) {
    this.#maxConversations = positive(options.maxConversations ?? 1000, "maxConversations");
    this.#idleTtlMs = positive(options.idleTtlMs ?? 3_600_000, "idleTtlMs");
    this.#maxMessages = positive(options.maxMessagesPerConversation ?? 200, "maxMessagesPerConversation");
    this.#now = options.now ?? Date.now;
  }

  /** Conversations held now (expired ones included until the next access sweeps them). */
  get size(): number {
    return this.#entries.size;
  }

  async load(owner: string, chatId: string): Promise<ChatMessage[]> {
    this.#sweepExpired();
    const entry = this.#touch(keyOf(owner, chatId));
    // A copy, as a remote store would give: callers cannot alter what is kept.
    return entry ? structuredClone(entry.messages) : [];
  }

  async append(owner: string, chatId: string, messages: ChatMessage[]): Promise<void> {
    this.#sweepExpired();
    const key = keyOf(owner, chatId);
    const entry = this.#touch(key) ?? { messages: [], touchedAt: this.#now() };
    entry.messages = keepNewest([...entry.messages, ...structuredClone(messages)], this.#maxMessages);
    this.#entries.set(key, entry);
    this.#evictOverflow();
  }

  async delete(owner: string, chatId: string): Promise<void> {
    this.#entries.delete(keyOf(owner, chatId));
  }

  /** Marks an entry as just used: it moves to the end of the LRU order. */
  #touch(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    this.#entries.delete(key);
    entry.touchedAt = this.#now();
    this.#entries.set(key, entry);
    return entry;
  }

  /** Map order is last-use order, so expired entries are all at the front. */
  #sweepExpired(): void {
    const oldestAllowed = this.#now() - this.#idleTtlMs;
    for (const [key, entry] of this.#entries) {
      if (entry.touchedAt > oldestAllowed) break;
      this.#entries.delete(key);
    }
  }

  #evictOverflow(): void {
    for (const key of this.#entries.keys()) {
      if (this.#entries.size <= this.#maxConversations) break;
      this.#entries.delete(key);
    }
  }
}

/** Unambiguous for any owner and chat id (no separator to collide with). */
function keyOf(owner: string, chatId: string): string {
  return JSON.stringify([owner, chatId]);
}

/**
 * Drops the oldest messages beyond the limit, then up to the next user message,
 * so the kept history starts with a whole turn (no orphan tool results).
 */
function keepNewest(messages: ChatMessage[], limit: number): ChatMessage[] {
  if (messages.length <= limit) return messages;
  const tail = messages.slice(messages.length - limit);
  const firstUser = tail.findIndex((m) => m.role === "user");
  return firstUser > 0 ? tail.slice(firstUser) : tail;
}

function positive(value: number, name: string): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(`InMemoryConversationStore: ${name} must be a positive number, got ${value}`);
  }
  return value;
}
