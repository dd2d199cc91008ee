/**
 * Conversation memory, keyed by (owner, chatId). The interface is async and
 * append-only so a shared store (Redis: RPUSH/LRANGE/EXPIRE) can implement it
 * for several server instances; messages are plain JSON. The agent loads and
 * appends; the server reads it for the `history` frame (resume after a
 * reconnect) and forgets anonymous owners.
 */

import type { ChatMessage } from "./messages.js";

/**
 * The turn that writes, when a chat's turns are ordered by a lock shared by
 * several instances: `token` grows with every holder of the chat's lock, so a
 * store that can check it refuses writes from a turn that lost its lock.
 */
export interface TurnFence {
  readonly turnId: string;
  readonly token: number;
}

export interface AppendOptions {
  fence?: TurnFence;
  /**
   * `question`: the question a turn is about to answer; `answer`: that turn's
   * messages, written once as it ends (possibly none). A store shared by
   * instances marks a question whose turn died before its answer `interrupted`.
   */
  part?: "question" | "answer";
}

export interface ConversationStore {
  /**
   * The messages of one conversation, oldest first; [] when there is none. A
   * question whose turn never ended (its instance died) carries `interrupted: true`.
   */
  load(owner: string, chatId: string): Promise<ChatMessage[]>;
  /**
   * Adds messages at the end as one unit: an assistant message with tool
   * calls is always appended together with its tool results. Rejects with
   * TurnLostError when `options.fence` is no longer the chat's lock holder.
   */
  append(owner: string, chatId: string, messages: ChatMessage[], options?: AppendOptions): Promise<void>;
  /** Forgets one conversation. */
  delete(owner: string, chatId: string): Promise<void>;
  /** Forgets every conversation of one owner (e.g. an anonymous user who left). */
  deleteOwner(owner: string): Promise<void>;
}

export interface InMemoryConversationStoreOptions {
  /** Bytes kept for all owners together; beyond, the owner holding the most loses their least recently used conversation (default 64 MiB). */
  maxBytes?: number;
  /** Bytes kept per owner; beyond, that owner's least recently used conversations go, then the oldest turns of the current one (default 1 MiB). */
  maxBytesPerOwner?: number;
  /** A conversation untouched this long is forgotten (default 1 hour). */
  idleTtlMs?: number;
  /** Most messages kept per conversation; the oldest turns go first (default 200). */
  maxMessagesPerConversation?: number;
  /** Clock, for tests. */
  now?: () => number;
}

/** What a conversation costs besides its messages (keys, arrays, bookkeeping), so many tiny ones are bounded too. */
const CONVERSATION_OVERHEAD_BYTES = 512;

interface Conversation {
  readonly key: string;
  readonly owner: string;
  messages: ChatMessage[];
  /** JSON bytes of each message, in step with `messages`. */
  sizes: number[];
  bytes: number;
  touchedAt: number;
}

interface Owner {
  bytes: number;
  /** This owner's conversations, least recently used first. */
  conversations: Map<string, Conversation>;
}

/**
 * The default store: one process, bounded in bytes in total and per owner, and
 * by idle TTL, with no timers. Eviction takes from whoever holds the most, so
 * one owner's traffic never pushes out another owner's smaller history. A
 * conversation always starts with a question: cuts remove whole turns.
 */
export class InMemoryConversationStore implements ConversationStore {
  /** Every conversation, least recently used first (so expired ones are at the front). */
  readonly #conversations = new Map<string, Conversation>();
  readonly #owners = new Map<string, Owner>();
  #bytes = 0;
  readonly #maxBytes: number;
  readonly #maxBytesPerOwner: number;
  readonly #idleTtlMs: number;
  readonly #maxMessages: number;
  readonly #now: () => number;

  constructor(options: InMemoryConversationStoreOptions = {}) {
    this.#maxBytes = positive(options.maxBytes ?? 64 * 1024 * 1024, "maxBytes");
    this.#maxBytesPerOwner = positive(options.maxBytesPerOwner ?? 1024 * 1024, "maxBytesPerOwner");
    this.#idleTtlMs = positive(options.idleTtlMs ?? 3_600_000, "idleTtlMs");
    this.#maxMessages = positive(options.maxMessagesPerConversation ?? 200, "maxMessagesPerConversation");
    this.#now = options.now ?? Date.now;
  }

  /** Conversations held now (expired ones included until the next access sweeps them). */
  get size(): number {
    return this.#conversations.size;
  }

  /** Bytes held now, all owners together (messages as JSON, plus CONVERSATION_OVERHEAD_BYTES each). */
  get bytes(): number {
    return this.#bytes;
  }

  /** Bytes held for one owner now. */
  bytesOf(owner: string): number {
    return this.#owners.get(owner)?.bytes ?? 0;
  }

  async load(owner: string, chatId: string): Promise<ChatMessage[]> {
    this.#sweepExpired();
    const conversation = this.#conversations.get(keyOf(owner, chatId));
    if (!conversation) return [];
    this.#touch(conversation);
    // A copy, as a remote store would give: callers cannot alter what is kept.
    return structuredClone(conversation.messages);
  }

  async append(owner: string, chatId: string, messages: ChatMessage[]): Promise<void> {
    this.#sweepExpired();
    const key = keyOf(owner, chatId);
    let conversation = this.#conversations.get(key);
    let kept = messages;
    if (!conversation) {
      // The start of this turn was cut (the conversation went over a bound): what follows it goes too.
      const question = messages.findIndex((m) => m.role === "user");
      if (question < 0) return;
      kept = messages.slice(question);
      conversation = { key, owner, messages: [], sizes: [], bytes: CONVERSATION_OVERHEAD_BYTES + key.length, touchedAt: 0 };
      this.#add(conversation);
    }
    // One serialization gives both the copy kept (the caller may change its objects) and its size.
    const added: ChatMessage[] = [];
    const sizes: number[] = [];
    for (const message of kept) {
      const json = JSON.stringify(message);
      added.push(JSON.parse(json) as ChatMessage);
      sizes.push(Buffer.byteLength(json));
    }
    conversation.messages.push(...added);
    conversation.sizes.push(...sizes);
    this.#resize(
      conversation,
      sizes.reduce((sum, n) => sum + n, 0),
    );
    this.#touch(conversation);
    const current = conversation;
    this.#cutOldestTurns(current, () => current.messages.length > this.#maxMessages);
    if (this.#conversations.get(key) === current) this.#fitOwner(current);
    this.#fitTotal();
  }

  async delete(owner: string, chatId: string): Promise<void> {
    const conversation = this.#conversations.get(keyOf(owner, chatId));
    if (conversation) this.#remove(conversation);
  }

  async deleteOwner(owner: string): Promise<void> {
    for (const conversation of [...(this.#owners.get(owner)?.conversations.values() ?? [])]) this.#remove(conversation);
  }

  /** Over the owner's bound: their other conversations go first (least recent first), then this one's oldest turns. */
  #fitOwner(current: Conversation): void {
    const owner = this.#owners.get(current.owner)!;
    for (const conversation of owner.conversations.values()) {
      if (owner.bytes <= this.#maxBytesPerOwner) return;
      if (conversation !== current) this.#remove(conversation);
    }
    if (owner.bytes > this.#maxBytesPerOwner) this.#cutOldestTurns(current, () => owner.bytes > this.#maxBytesPerOwner);
  }

  /** Over the total bound: the owner holding the most loses their least recently used conversation, until it fits. */
  #fitTotal(): void {
    while (this.#bytes > this.#maxBytes) {
      let largest: Owner | undefined;
      for (const owner of this.#owners.values()) if (!largest || owner.bytes > largest.bytes) largest = owner;
      const victim = largest?.conversations.values().next().value;
      if (!victim) return;
      this.#remove(victim);
    }
  }

  /** Drops whole turns from the front while `tooBig()`; a conversation whose newest turn alone is too big goes. */
  #cutOldestTurns(conversation: Conversation, tooBig: () => boolean): void {
    while (tooBig()) {
      const nextQuestion = conversation.messages.findIndex((m, i) => i > 0 && m.role === "user");
      if (nextQuestion < 0) {
        this.#remove(conversation);
        return;
      }
      const cut = conversation.sizes.splice(0, nextQuestion).reduce((sum, n) => sum + n, 0);
      conversation.messages.splice(0, nextQuestion);
      this.#resize(conversation, -cut);
    }
  }

  #add(conversation: Conversation): void {
    let owner = this.#owners.get(conversation.owner);
    if (!owner) {
      owner = { bytes: 0, conversations: new Map() };
      this.#owners.set(conversation.owner, owner);
    }
    owner.conversations.set(conversation.key, conversation);
    this.#conversations.set(conversation.key, conversation);
    owner.bytes += conversation.bytes;
    this.#bytes += conversation.bytes;
  }

  #remove(conversation: Conversation): void {
    if (this.#conversations.get(conversation.key) !== conversation) return;
    this.#conversations.delete(conversation.key);
    const owner = this.#owners.get(conversation.owner)!;
    owner.conversations.delete(conversation.key);
    owner.bytes -= conversation.bytes;
    this.#bytes -= conversation.bytes;
    if (owner.conversations.size === 0) this.#owners.delete(conversation.owner);
  }

  #resize(conversation: Conversation, delta: number): void {
    conversation.bytes += delta;
    this.#owners.get(conversation.owner)!.bytes += delta;
    this.#bytes += delta;
  }

  /** Marks a conversation as just used: it moves to the end of both LRU orders. */
  #touch(conversation: Conversation): void {
    conversation.touchedAt = this.#now();
    const owner = this.#owners.get(conversation.owner)!;
    owner.conversations.delete(conversation.key);
    owner.conversations.set(conversation.key, conversation);
    this.#conversations.delete(conversation.key);
    this.#conversations.set(conversation.key, conversation);
  }

  #sweepExpired(): void {
    const oldestAllowed = this.#now() - this.#idleTtlMs;
    for (const conversation of this.#conversations.values()) {
      if (conversation.touchedAt > oldestAllowed) break;
      this.#remove(conversation);
    }
  }
}

/** Unambiguous for any owner and chat id (no separator to collide with). */
function keyOf(owner: string, chatId: string): string {
  return JSON.stringify([owner, chatId]);
}

function positive(value: number, name: string): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(`InMemoryConversationStore: ${name} must be a positive number, got ${value}`);
  }
  return value;
}
