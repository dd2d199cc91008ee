import type { ChatMessage } from "@mcp-pool/agent";
import { startRedisServer, type RedisServer } from "@mcp-pool/test-support/redis-server";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChatBusyError, type OrderedTurn } from "../src/chat-turn-order.js";
import { RedisChatTurnOrder } from "../src/redis-chat-turn-order.js";
import { connectRedis, type RedisConnection } from "../src/redis-connection.js";
import { RedisConversationStore } from "../src/redis-conversation-store.js";

const logger = pino({ level: "silent" });
const user = (content: string): ChatMessage => ({ role: "user", content });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let redis: RedisServer;
const connections: RedisConnection[] = [];

/** One instance: its own Redis connection, order and store, on the shared prefix. */
async function instance(prefix: string, options: { maxQueued?: number; lockMs?: number } = {}) {
  const connection = await connectRedis(redis.url, logger);
  connections.push(connection);
  const order = new RedisChatTurnOrder(connection.client, {
    prefix,
    maxQueued: options.maxQueued ?? 4,
    lockMs: options.lockMs ?? 5_000,
    logger,
  });
  const store = new RedisConversationStore(connection.client, { prefix, maxBytesPerOwner: 1024 * 1024, ttlMs: 60_000 });
  return { order, store };
}

beforeAll(async () => {
  redis = await startRedisServer();
});

afterAll(async () => {
  for (const connection of connections) await connection.close();
  await redis?.stop();
});

describe("RedisChatTurnOrder", () => {
  it("runs the turns of one chat asked through two instances one at a time, in arrival order; other chats at once", async () => {
    const [a, b] = await Promise.all([instance("order:"), instance("order:")]);
    const log: string[] = [];
    let running = 0;
    let most = 0;
    const turn = (name: string, ms: number) => async () => {
      running++;
      most = Math.max(most, running);
      log.push(`start ${name}`);
      await sleep(ms);
      log.push(`end ${name}`);
      running--;
    };
    const signal = new AbortController().signal;
    const inLine = (order: RedisChatTurnOrder, chat: string, name: string, ms: number) =>
      // Wrapped: a promise resolved with a promise would wait for it.
      new Promise<{ done: Promise<void> }>((queued) => {
        const done = order.run("ann", chat, turn(name, ms), { signal, onQueued: () => queued({ done }) });
      });
    // Each joins the line before the next is asked, alternating instances.
    const turns = [
      // Long enough for the other three to join and the other chat to run meanwhile, on a loaded machine too.
      await inLine(a.order, "c1", "1", 1500),
      await inLine(b.order, "c1", "2", 50),
      await inLine(a.order, "c1", "3", 50),
      await inLine(b.order, "c1", "4", 50),
    ];
    const other = b.order.run("ann", "c2", async () => log.push("other chat"), { signal });
    await Promise.all([...turns.map((t) => t.done), other]);
    expect(most).toBe(1);
    expect(log.filter((l) => l !== "other chat")).toEqual(["start 1", "end 1", "start 2", "end 2", "start 3", "end 3", "start 4", "end 4"]);
    expect(log.indexOf("other chat")).toBeLessThan(log.indexOf("end 1"));
  });

  it("answers busy beyond MAX_QUEUED_TURNS waiting, counted across instances", async () => {
    const [a, b] = await Promise.all([instance("busy:", { maxQueued: 1 }), instance("busy:", { maxQueued: 1 })]);
    const signal = new AbortController().signal;
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let firstQueued!: () => void;
    let secondQueued!: () => void;
    const first = a.order.run("ann", "c", () => held, { signal, onQueued: () => firstQueued() });
    await new Promise<void>((resolve) => (firstQueued = resolve));
    const second = b.order.run("ann", "c", async () => "second ran", { signal, onQueued: () => secondQueued() });
    await new Promise<void>((resolve) => (secondQueued = resolve));
    await expect(a.order.run("ann", "c", async () => "third ran", { signal })).rejects.toBeInstanceOf(ChatBusyError);
    release();
    await first;
    expect(await second).toBe("second ran");
  });

  it("fences a turn whose lock expired: its write is refused, and the next turn runs and writes", async () => {
    const lockMs = 1_000;
    const [a, b] = await Promise.all([instance("fence:", { lockMs }), instance("fence:", { lockMs })]);
    const signal = new AbortController().signal;
    let stalledWrite: Promise<unknown> | undefined;
    let next: Promise<number> | undefined;
    /** Instance B: asks in the same chat once A has stalled (B's own key renews: it is another process in life). */
    const askOnB = () =>
      b.order.run(
        "ann",
        "c",
        async ({ fence }: OrderedTurn) => {
          await b.store.append("ann", "c", [user("next question")], { fence: fence!, part: "question" });
          await b.store.append("ann", "c", [{ role: "assistant", content: "next answer" }], { fence: fence!, part: "answer" });
          return fence!.token;
        },
        { signal },
      );
    const stalled = a.order.run(
      "ann",
      "c",
      async ({ fence }: OrderedTurn) => {
        await a.store.append("ann", "c", [user("stalled question")], { fence: fence!, part: "question" });
        // Instance A stalls (a long GC pause, a blocked loop) past the lock's expiry: no renewal runs.
        const until = Date.now() + lockMs * 1.5;
        while (Date.now() < until) {
          /* busy */
        }
        // Meanwhile B asks (its turn takes the chat over), and A, waking, still tries to write.
        next = askOnB();
        stalledWrite = a.store.append("ann", "c", [{ role: "assistant", content: "late answer" }], { fence: fence!, part: "answer" });
        await stalledWrite.catch(() => {});
      },
      { signal },
    );
    await stalled;
    await expect(stalledWrite).rejects.toMatchObject({ code: "turn_lost" });
    expect(await next!).toBeGreaterThan(1);
    expect(await b.store.load("ann", "c")).toEqual([
      { role: "user", content: "stalled question", interrupted: true },
      user("next question"),
      { role: "assistant", content: "next answer" },
    ]);
  });
});
