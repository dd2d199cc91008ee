/**
 * Turn order per (owner, chat) across instances, in Redis: a line of turn ids
 * per chat (arrival order, MAX_QUEUED_TURNS waiting at most), the head runs
 * once it holds the chat's lock. Every turn in line keeps a key alive
 * (`turn:<id>`, TURN_LOCK_MS, renewed every third of it), so a dead
 * instance's turns drop out of the line and free the chat by themselves. Each
 * holder gets a larger fencing token; the store checks it (and that the turn
 * is still alive) in the same script as each write, so a turn that lost its
 * lock cannot write.
 */

import { randomUUID } from "node:crypto";
import { StoreUnavailableError, TurnLostError, type TurnFence } from "@mcp-pool/agent";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import {
  ChatBusyError,
  type ChatTurnOrder,
  type ChatTurnOrderRunOptions,
  type OrderedTurn,
  TurnNotStartedError,
} from "./chat-turn-order.js";

/** Removes the turns of dead instances from the line (their keys expired). */
const PRUNE = `
local function prune(line, prefix)
  for _, id in ipairs(redis.call('LRANGE', line, 0, -1)) do
    if redis.call('EXISTS', prefix .. 'turn:' .. id) == 0 then redis.call('LREM', line, 0, id) end
  end
end
`;

/** KEYS: line. ARGV: prefix, turn id, max queued, alive ms. 1 = in line, 0 = busy. */
const JOIN = `${PRUNE}
local line, prefix, id, max_queued, alive = KEYS[1], ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
prune(line, prefix)
if redis.call('LLEN', line) > max_queued then return 0 end
redis.call('SET', prefix .. 'turn:' .. id, '1', 'PX', alive)
redis.call('RPUSH', line, id)
redis.call('PEXPIRE', line, alive * 2)
return 1
`;

/** KEYS: line, lock. ARGV: prefix, turn id, alive ms. The token when this turn holds the lock, 0 = not yet, -1 = lost its place. */
const ACQUIRE = `${PRUNE}
local line, lock, prefix, id, alive = KEYS[1], KEYS[2], ARGV[1], ARGV[2], tonumber(ARGV[3])
if redis.call('EXISTS', prefix .. 'turn:' .. id) == 0 then return -1 end
prune(line, prefix)
local head = redis.call('LINDEX', line, 0)
if head ~= id then
  if head == false then return -1 end
  return 0
end
if redis.call('HGET', lock, 'holder') ~= id then
  redis.call('HINCRBY', lock, 'token', 1)
  redis.call('HSET', lock, 'holder', id)
end
redis.call('PEXPIRE', lock, alive * 2)
return tonumber(redis.call('HGET', lock, 'token'))
`;

/** KEYS: line, lock. ARGV: prefix, turn id, alive ms. 1 = still alive, 0 = lost (expired). */
const RENEW = `
local line, lock, prefix, id, alive = KEYS[1], KEYS[2], ARGV[1], ARGV[2], tonumber(ARGV[3])
if redis.call('PEXPIRE', prefix .. 'turn:' .. id, alive) == 0 then return 0 end
redis.call('PEXPIRE', line, alive * 2)
if redis.call('HGET', lock, 'holder') == id then redis.call('PEXPIRE', lock, alive * 2) end
return 1
`;

/** KEYS: line, lock. ARGV: prefix, turn id. */
const LEAVE = `
local line, lock, prefix, id = KEYS[1], KEYS[2], ARGV[1], ARGV[2]
redis.call('LREM', line, 0, id)
redis.call('DEL', prefix .. 'turn:' .. id)
if redis.call('HGET', lock, 'holder') == id then redis.call('HDEL', lock, 'holder') end
return 1
`;

type Script = (...args: (string | number)[]) => Promise<number>;
interface OrderScripts {
  mcpPoolJoin: Script;
  mcpPoolAcquire: Script;
  mcpPoolRenew: Script;
  mcpPoolLeave: Script;
}

export interface RedisChatTurnOrderOptions {
  prefix: string;
  maxQueued: number;
  /** A turn's key lives this long after its last renewal (TURN_LOCK_MS). */
  lockMs: number;
  logger: Logger;
  /** How often a waiting turn asks whether it is its go, at most (default 100 ms; a turn ending here wakes it at once). */
  pollMs?: number;
}

export class RedisChatTurnOrder implements ChatTurnOrder {
  readonly #redis: Redis & OrderScripts;
  readonly #options: RedisChatTurnOrderOptions;
  /** Waiters of this instance per chat, woken when a turn of the chat ends here (no need to wait for the next poll). */
  readonly #wakers = new Map<string, Set<() => void>>();

  constructor(redis: Redis, options: RedisChatTurnOrderOptions) {
    redis.defineCommand("mcpPoolJoin", { numberOfKeys: 1, lua: JOIN });
    redis.defineCommand("mcpPoolAcquire", { numberOfKeys: 2, lua: ACQUIRE });
    redis.defineCommand("mcpPoolRenew", { numberOfKeys: 2, lua: RENEW });
    redis.defineCommand("mcpPoolLeave", { numberOfKeys: 2, lua: LEAVE });
    this.#redis = redis as Redis & OrderScripts;
    this.#options = options;
  }

  async run<T>(owner: string, chatId: string, fn: (turn: OrderedTurn) => Promise<T>, options: ChatTurnOrderRunOptions): Promise<T> {
    const { signal } = options;
    if (signal.aborted) throw new TurnNotStartedError();
    const { prefix, lockMs } = this.#options;
    const member = JSON.stringify([owner, chatId]);
    const keys = [`${prefix}line:${member}`, `${prefix}lock:${member}`];
    const id = randomUUID();
    const joined = await storeCall(() => this.#redis.mcpPoolJoin(keys[0]!, prefix, id, this.#options.maxQueued, lockMs));
    if (joined === 0) throw new ChatBusyError();
    options.onQueued?.();

    const lost = new AbortController();
    let lastRenewed = Date.now();
    const renew = setInterval(
      () => {
        this.#redis.mcpPoolRenew(...keys, prefix, id, lockMs).then(
          (alive) => {
            if (alive === 1) lastRenewed = Date.now();
            else lost.abort(new TurnLostError("This turn's hold on its chat expired"));
          },
          () => {
            // Redis unreachable: the hold lapses on its own after lockMs; stop before then.
            if (Date.now() - lastRenewed > lockMs * 0.8) lost.abort(new TurnLostError("This turn lost Redis and with it its chat's lock"));
          },
        );
      },
      Math.max(100, Math.floor(lockMs / 3)),
    );
    renew.unref();
    try {
      const token = await this.#waitForTurn(member, keys, id, signal, lost.signal);
      const fence: TurnFence = { turnId: id, token };
      return await fn({ signal: AbortSignal.any([signal, lost.signal]), fence });
    } finally {
      clearInterval(renew);
      await this.#redis.mcpPoolLeave(...keys, prefix, id).catch((error: unknown) => {
        // Its key expires by itself; the next turn waits at most lockMs for it.
        this.#options.logger.warn({ err: error }, "leaving a chat's turn order failed");
      });
      for (const wake of this.#wakers.get(member) ?? []) wake();
    }
  }

  /** Resolves with the fencing token once this turn holds the chat; rejects TurnNotStartedError if cancelled first. */
  async #waitForTurn(member: string, keys: string[], id: string, signal: AbortSignal, lost: AbortSignal): Promise<number> {
    const pollMs = this.#options.pollMs ?? 100;
    for (;;) {
      const token = await storeCall(() => this.#redis.mcpPoolAcquire(...keys, this.#options.prefix, id, this.#options.lockMs));
      if (token > 0) return token;
      if (token < 0 || lost.aborted) throw new TurnLostError("This turn lost its place in its chat's line");
      if (signal.aborted) throw new TurnNotStartedError();
      await this.#sleep(member, pollMs, signal);
      if (signal.aborted) throw new TurnNotStartedError();
    }
  }

  /** Waits pollMs, or less when a turn of this chat ends on this instance or the signal fires. */
  #sleep(member: string, ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const set = this.#wakers.get(member) ?? new Set<() => void>();
      this.#wakers.set(member, set);
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        set.delete(done);
        if (set.size === 0 && this.#wakers.get(member) === set) this.#wakers.delete(member);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener("abort", done, { once: true });
      set.add(done);
    });
  }
}

async function storeCall<T>(command: () => Promise<T>): Promise<T> {
  try {
    return await command();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new StoreUnavailableError(`The turn order's store (Redis) is unavailable: ${message}`, { cause: error });
  }
}
